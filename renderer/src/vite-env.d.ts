// Vite's client types: CSS side-effect imports and import.meta.env, as the renderer bundle sees them.
/// <reference types="vite/client" />
