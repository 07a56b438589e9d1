// Runs in the bench page before any board script (page.addInitScript). Plain JavaScript on
// purpose: it is injected as text. It replaces EventSource with a stub the bench drives, so
// both boards get exactly the same events without a network, and it records renders, frames
// and long tasks. See bench/element-bench.ts.
(() => {
  const sources = [];

  class FakeEventSource extends EventTarget {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 2;
    constructor(url, init) {
      super();
      this.url = String(url);
      this.withCredentials = Boolean(init?.withCredentials);
      this.readyState = 0;
      this.onopen = null;
      this.onmessage = null;
      this.onerror = null;
      sources.push(this);
      setTimeout(() => {
        this.readyState = 1;
        const open = new Event('open');
        this.onopen?.(open);
        this.dispatchEvent(open);
      });
    }
    emit(type, data, lastEventId) {
      if (this.readyState !== 1) return;
      const event = new MessageEvent(type, { data, lastEventId });
      if (type === 'message') this.onmessage?.(event);
      this.dispatchEvent(event);
    }
    close() {
      this.readyState = 2;
    }
  }
  window.EventSource = FakeEventSource;

  // --- frames, renders and long tasks ---------------------------------------------------
  let frames = 0;
  const tick = () => {
    frames++;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  const renders = []; // document.timeline.currentTime of every render: equal values, same frame
  const noteRender = () => renders.push(document.timeline.currentTime);
  window.__benchRendered = noteRender;
  // The element is a LitElement: count its updates by wrapping `update` once it is defined.
  customElements.whenDefined('flight-board').then((ctor) => {
    const update = ctor.prototype.update;
    ctor.prototype.update = function (changed) {
      noteRender();
      return update.call(this, changed);
    };
  });

  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  // --- the workload ---------------------------------------------------------------------
  const STATES = ['on time', 'delayed', 'boarding', 'landing', 'landed', 'cancelled', 'diverted'];
  const CITIES = ['London', 'Berlin', 'New York', 'Buenos Aires', 'Rome', 'Tokyo', 'Lagos', 'Lima'];
  let seed = 42;
  const random = () => {
    // mulberry32: the same sequence of updates for both boards
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let rows = 0;
  let lastId = 0;
  const stateOf = new Map();
  const flightKey = (i) => `F${String(i).padStart(4, '0')}`;

  const source = () => {
    const s = sources.at(-1);
    if (!s) throw new Error('the board opened no EventSource');
    return s;
  };
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const afterFrames = async (n) => {
    for (let i = 0; i < n; i++) await nextFrame();
  };
  /** A task of its own, not throttled like nested timers (MessageChannel, as schedulers do). */
  const channel = new MessageChannel();
  const queued = [];
  channel.port1.onmessage = () => queued.shift()?.();
  const nextTask = () =>
    new Promise((resolve) => {
      queued.push(resolve);
      channel.port2.postMessage(0);
    });

  /** Sends one state update (to a random flight of `among`, a state it does not have) and returns it. */
  const update = (suffix = '', among = undefined) => {
    const flight = among
      ? among[Math.floor(random() * among.length)]
      : flightKey(Math.floor(random() * rows));
    let state = STATES[Math.floor(random() * STATES.length)];
    if (state === stateOf.get(flight)) state = STATES[(STATES.indexOf(state) + 1) % STATES.length];
    stateOf.set(flight, state);
    const shown = suffix ? `${state} ${suffix}` : state;
    source().emit('flightStateUpdate', JSON.stringify({ flight, state: shown }), String(++lastId));
    return { flight, state: shown };
  };

  const phase = (started) => ({ started, ended: performance.now(), rendersBefore: 0 });

  window.__bench = {
    async ready() {
      while (sources.length === 0 || sources.at(-1).readyState !== 1) await nextTask();
    },
    async snapshot(count) {
      rows = count;
      const flights = Array.from({ length: count }, (_, i) => {
        stateOf.set(flightKey(i), 'scheduled');
        const minutes = (i * 7) % 1440;
        const arrival = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
        return { flight: flightKey(i), origin: CITIES[i % CITIES.length], arrival, state: 'scheduled' };
      });
      source().emit('flightSnapshot', JSON.stringify({ flights }), String(lastId));
      await afterFrames(5);
    },
    /** `count` updates as fast as they can go, `perTask` in each task (a network chunk). */
    async burst(count, perTask) {
      const started = performance.now();
      for (let sent = 0; sent < count; ) {
        for (let i = 0; i < perTask && sent < count; i++, sent++) update();
        await nextTask();
      }
      const result = phase(started);
      await afterFrames(3);
      return result;
    },
    /** `rate` updates per second for `seconds`, sent by timers (several per task when they fall behind). */
    async steady(rate, seconds) {
      const started = performance.now();
      const total = Math.round(rate * seconds);
      let sent = 0;
      while (sent < total) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
        while (sent < due) {
          update();
          sent++;
        }
      }
      const result = phase(started);
      await afterFrames(3);
      return result;
    },
    /**
     * Event → painted row: like `steady`, but every `every`-th update is a probe whose row is
     * looked up once per frame, in a task queued from requestAnimationFrame (it runs after that
     * frame was painted). Kept apart from the timed phases, since the lookups cost time too.
     * Probes go to rows on screen: the time that matters is until the user can see the change
     * (a board may not render rows off screen at all).
     */
    async probe(rate, seconds, every) {
      const started = performance.now();
      const total = Math.round(rate * seconds);
      const pending = [];
      const latencies = [];
      const board = document.querySelector('[data-bench-board]');
      const shown = ({ flight, state }) =>
        board.shadowRoot.querySelector(`tr[data-flight="${flight}"]`)?.getAttribute('data-state') === state;
      const onScreen = [...board.shadowRoot.querySelectorAll('tr[data-flight]')]
        .filter((row) => {
          const { top, bottom } = row.getBoundingClientRect();
          return top >= 0 && bottom <= window.innerHeight;
        })
        .map((row) => row.getAttribute('data-flight'));
      if (onScreen.length === 0) throw new Error('no row of the board is on screen');
      let watching = true;
      const watch = () => {
        if (!watching) return;
        requestAnimationFrame(() => {
          channel.port2.postMessage(0);
          queued.push(() => {
            const now = performance.now();
            for (let i = pending.length - 1; i >= 0; i--) {
              if (shown(pending[i])) {
                latencies.push(now - pending[i].at);
                pending.splice(i, 1);
              }
            }
            watch();
          });
        });
      };
      watch();
      let sent = 0;
      while (sent < total) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
        while (sent < due) {
          sent++;
          if (sent % every === 0) pending.push({ ...update(`#${sent}`, onScreen), at: performance.now() });
          else update();
        }
      }
      await afterFrames(10);
      watching = false;
      return { latencies, unseen: pending.length };
    },
    /** Renders, frames and long tasks between two `performance.now()` times. */
    stats(from, to) {
      const inWindow = longTasks.filter((t) => t.start >= from && t.start < to);
      const perFrame = new Map();
      for (const t of renders) if (t >= from && t < to) perFrame.set(t, (perFrame.get(t) ?? 0) + 1);
      return {
        renders: [...perFrame.values()].reduce((a, b) => a + b, 0),
        maxRendersPerFrame: Math.max(0, ...perFrame.values()),
        framesWithRender: perFrame.size,
        longTasks: inWindow.length,
        longestTaskMs: Math.max(0, ...inWindow.map((t) => t.duration)),
      };
    },
    frames: () => frames,
    now: () => performance.now(),
  };
})();
