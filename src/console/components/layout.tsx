import type { ReactNode } from 'react';
import { Link, NavLink } from 'react-router';
import { Button } from './ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from './ui/dropdown-menu';
import styles from './layout.module.css';

/**
 * The app frame: left navigation (Runners, Activity, Notifications), the signed-in user's menu (API
 * tokens, Sign out), and the page.
 */
export function Layout({
  username,
  role,
  onSignOut,
  signingOut = false,
  banner,
  children,
}: {
  username: string;
  role: string;
  onSignOut: () => void;
  signingOut?: boolean;
  banner?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={styles.shell}>
      <a className={styles.skip} href="#main">
        Skip to content
      </a>
      <nav className={styles.nav} aria-label="Main">
        <p className={styles.brand}>Paddock</p>
        <ul className={styles.links}>
          <li>
            {/* Active on the list and on every dialog address under it (/runners/{groupId}/…). */}
            <NavLink to="/runners" className={styles.link}>
              Runners
            </NavLink>
          </li>
          <li>
            <NavLink to="/activity" className={styles.link}>
              Activity
            </NavLink>
          </li>
          <li>
            <NavLink to="/notifications" className={styles.link}>
              Notifications
            </NavLink>
          </li>
        </ul>
        <div className={styles.user}>
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button size="sm" variant="ghost" className={styles.userButton} aria-label={`Account menu of ${username} (${role})`} disabled={signingOut}>
                <span className={styles.userName}>{username}</span> <span className={styles.role}>({role})</span>
                <span aria-hidden="true" className={styles.caret}>
                  ▾
                </span>
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="start" side="top">
              <DropdownMenuItem asChild>
                <Link to="/settings/tokens" className={styles.menuLink}>
                  API tokens
                </Link>
              </DropdownMenuItem>
              <DropdownMenuSeparator />
              <DropdownMenuItem onSelect={onSignOut}>Sign out</DropdownMenuItem>
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      </nav>
      <main id="main" className={styles.main} tabIndex={-1}>
        {banner}
        {children}
      </main>
    </div>
  );
}
