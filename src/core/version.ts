/** The hub's API version (OpenAPI `info.version`, `switchboard --version`, `GET /`). */
export const API_VERSION = '0.1.0';
