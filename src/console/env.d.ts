interface ImportMetaEnv {
  /** True in `vite --mode mock` (`npm run dev:mock`): msw plays the control plane. */
  readonly PADDOCK_MOCK: boolean;
}
