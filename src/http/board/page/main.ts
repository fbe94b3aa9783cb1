import { LiveBoard } from './board.js';
import { BoardView } from './view.js';

/** The key lives in this tab only (sessionStorage), never in the address bar or on disk. */
const STORAGE_KEY = 'incident-gateway.board.key';

function keyFromFragment(): string | null {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  return key?.trim() || null;
}

function start(): void {
  const view = new BoardView();
  let board: LiveBoard | null = null;

  const open = (key: string) => {
    sessionStorage.setItem(STORAGE_KEY, key);
    view.showBoard(() => askForKey(''));
    board = new LiveBoard(key, view, (message) => askForKey(message));
  };
  const askForKey = (message: string) => {
    board?.stop();
    board = null;
    sessionStorage.removeItem(STORAGE_KEY);
    view.setConnection(message ? 'refused' : 'no-key');
    view.showKeyForm(open, message);
  };

  const key = keyFromFragment() ?? sessionStorage.getItem(STORAGE_KEY);
  if (key) open(key);
  else askForKey('');
}

start();
