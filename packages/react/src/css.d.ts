// The component's stylesheet is imported for its effect; the bundler emits it as `style.css`.
declare module '*.css';
