// esbuild bundles the style sheet imported by main.tsx into app.css.
declare module '*.css';
