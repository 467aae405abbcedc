import { createContext, type ReactNode, useContext } from 'react';
import type { Role } from '../../contract';

/** What the signed-in user may do; features read it, the app layout provides it from the session. */
export interface Permissions {
  role: Role;
  canWrite: boolean;
  /** Why write actions are disabled, shown beside them. */
  readOnlyReason: string | null;
}

export const viewerReason = 'Viewers can look but not change runners. Ask an admin.';

const PermissionsContext = createContext<Permissions>({ role: 'viewer', canWrite: false, readOnlyReason: viewerReason });

export function permissionsFor(role: Role): Permissions {
  return role === 'admin'
    ? { role, canWrite: true, readOnlyReason: null }
    : { role, canWrite: false, readOnlyReason: viewerReason };
}

export function PermissionsProvider({ role, children }: { role: Role; children: ReactNode }) {
  return <PermissionsContext.Provider value={permissionsFor(role)}>{children}</PermissionsContext.Provider>;
}

export function usePermissions(): Permissions {
  return useContext(PermissionsContext);
}
