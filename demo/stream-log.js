// The live event log: a second EventSource on the same stream, so each SSE event shows with its
// id, type and data (the element's DOM events carry flights, not the wire fields).

import { FlightEvent } from './protocol.js';

/** The event names of the flight-board protocol; unnamed events arrive as `message`. */
const EVENT_TYPES = Object.values(FlightEvent);
/** Entries kept on screen. */
const MAX_ENTRIES = 300;

/**
 * Opens `url` with an EventSource and lists what arrives in `list`, newest first.
 * After a reconnection, the events the browser gets back through `Last-Event-ID` are marked
 * `replayed`: those up to the head id `/flights` reports right after the reconnection.
 */
export function streamLog(list, url) {
  let source;
  let lastId = '';
  let reconnecting = false;
  /** While classifying a replay: the id the browser resumed from, the head once known, the entries so far. */
  let replay;

  const add = (entry) => {
    list.prepend(entry);
    while (list.childElementCount > MAX_ENTRIES) list.lastElementChild.remove();
  };
  const note = (text, kind = 'info') => {
    const li = document.createElement('li');
    li.className = `log__note log__note--${kind}`;
    li.textContent = text;
    add(li);
  };

  const endReplay = () => {
    replay = undefined;
  };
  const classify = (entry) => {
    if (!replay) return;
    if (entry.dataset.type === 'flightSnapshot') {
      endReplay(); // the id was no longer in the server's history: a resync, not a replay
      return;
    }
    replay.entries.push(entry);
    entry.classList.add('log__event--replayed');
    entry.dataset.replayed = 'true';
    if (replay.head !== undefined && entry.dataset.id === replay.head) endReplay();
  };
  const headKnown = (head) => {
    if (!replay) return;
    replay.head = head;
    if (head === replay.from) {
      // Nothing was missed: whatever arrived since the reconnection is live.
      for (const entry of replay.entries) {
        entry.classList.remove('log__event--replayed');
        delete entry.dataset.replayed;
      }
      endReplay();
      return;
    }
    const at = replay.entries.findIndex((entry) => entry.dataset.id === head);
    if (at === -1) return; // still to come
    for (const entry of replay.entries.slice(at + 1)) {
      entry.classList.remove('log__event--replayed');
      delete entry.dataset.replayed;
    }
    endReplay();
  };

  const onEvent = (event) => {
    lastId = event.lastEventId;
    const li = document.createElement('li');
    li.className = 'log__event';
    li.dataset.id = event.lastEventId;
    li.dataset.type = event.type;
    const id = document.createElement('span');
    id.className = 'log__id';
    id.textContent = event.lastEventId;
    const type = document.createElement('span');
    type.className = 'log__type';
    type.textContent = event.type;
    const data = document.createElement('code');
    data.className = 'log__data';
    data.textContent = event.data === '' ? '(empty data line)' : event.data;
    data.title = event.data;
    li.append(id, type, data);
    classify(li);
    add(li);
    if (event.type === FlightEvent.closed) {
      source.close();
      note('closedConnection: the stream is over, the client does not reconnect', 'end');
    }
  };

  const open = () => {
    source?.close();
    reconnecting = false;
    endReplay();
    source = new EventSource(url);
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
    source.addEventListener('open', () => {
      if (!reconnecting) {
        note(`connected to ${url}`);
        return;
      }
      reconnecting = false;
      note(`reconnected: the browser sent Last-Event-ID: ${lastId || '(none)'}`, 'resume');
      replay = { from: lastId, head: undefined, entries: [] };
      fetch('/flights')
        .then((res) => res.json())
        .then(({ lastEventId }) => headKnown(lastEventId))
        .catch(endReplay);
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CONNECTING) {
        if (!reconnecting) note(`connection lost: reconnecting, will send Last-Event-ID: ${lastId}`, 'lost');
        reconnecting = true;
      } else {
        note('the server refused the stream (204 or an error): not reconnecting', 'end');
      }
    });
  };

  open();
  return {
    /** Opens the log's stream again from the start (after the operator reopens the stream). */
    reopen: open,
    clear: () => list.replaceChildren(),
  };
}
