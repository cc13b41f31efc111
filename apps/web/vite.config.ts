// The web app builds against the workspace packages' TypeScript sources (the "@safelight/source"
// export condition), like the tests do, so `npm run build` needs no package built first.
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@safelight/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One origin only: no CDN, no external fonts; everything the page needs is in dist/.
    assetsInlineLimit: 0,
    sourcemap: true,
    chunkSizeWarningLimit: 2048,
  },
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8080', ws: true } } },
});
