import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { Button } from '../../../components/ui/button';
import { Field, FormError } from '../../../components/ui/field';
import { Input } from '../../../components/ui/input';
import { useSignIn } from '../api/mutations';
import styles from './sign-in-page.module.css';

/** The Sign in page: Username, Password, one generic error on failure. */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const id = useId();
  const signIn = useSignIn();
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!username || !password) {
      setError('Enter your username and password.');
      return;
    }
    setError(null);
    signIn.mutate(
      { username, password },
      {
        onSuccess: onSignedIn,
        onError: (e) => setError(signInMessage(e)),
      },
    );
  };

  return (
    <main className={styles.page}>
      <form className={styles.card} onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <p className={styles.brand}>Paddock</p>
        <h1 id={`${id}-title`} className={styles.title}>
          Sign in
        </h1>
        {error ? <FormError>{error}</FormError> : null}
        {/* The page exists to sign in: focus starts in the first field. */}
        <Field label="Username">
          <Input name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />
        </Field>
        <Field label="Password">
          <Input name="password" type="password" autoComplete="current-password" required />
        </Field>
        <Button type="submit" variant="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}

function signInMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0 || error.status >= 502) return 'Cannot reach the control plane. Try again in a moment.';
    if (error.status === 429) return 'Too many attempts. Wait a minute and try again.';
  }
  // One generic message: it never says which of the two was wrong.
  return 'Sign in failed. Check your username and password.';
}
