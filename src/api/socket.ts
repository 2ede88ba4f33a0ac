/** The control socket's file name in the state directory (kept apart from the schemas so that finding it loads no schema). */
export const DAEMON_SOCKET = 'daemon.sock';
