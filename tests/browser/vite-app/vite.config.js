import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true },
});
