// The operator panel: calls the server's REST API with the token typed on the page.

/** States the simulator uses; any text is allowed. */
const STATES = ['scheduled', 'on time', 'delayed', 'landing', 'landed', 'cancelled'];

/** Wires the forms and buttons of the operator panel to the REST API. */
export function operatorPanel({ board, log, result, token }) {
  const call = async (method, path, body) => {
    const headers = {};
    // The token lives only in the password field: never in the URL, storage or a cookie.
    if (token.value) headers.Authorization = `Bearer ${token.value}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    result.dataset.state = 'pending';
    // The status is the answer's: a pending call has none (the last call's would read as this one's).
    delete result.dataset.status;
    result.textContent = `${method} ${path}…`;
    try {
      const res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let message = '';
      if (!res.ok) {
        try {
          message = JSON.parse(text).error.message;
        } catch {
          message = text;
        }
      }
      result.dataset.state = res.ok ? 'ok' : 'error';
      result.dataset.status = String(res.status);
      result.textContent = `${method} ${path} → ${res.status} ${res.statusText}${message ? `: ${message}` : ''}`;
      return res.ok;
    } catch (error) {
      result.dataset.state = 'error';
      result.textContent = `${method} ${path} failed: ${error.message}`;
      return false;
    }
  };

  for (const select of document.querySelectorAll('select.states')) {
    select.append(...STATES.map((state) => new Option(state, state)));
  }

  // Suggest the flights on the board, kept fresh by the element's own events.
  const datalist = document.getElementById('flights');
  const refreshFlights = () => {
    datalist.replaceChildren(...board.flights.map((f) => new Option(`${f.flight} · ${f.origin}`, f.flight)));
  };
  board.addEventListener('flight-board-snapshot', refreshFlights);
  board.addEventListener('flight-board-change', refreshFlights);

  const onSubmit = (id, send) => {
    const form = document.getElementById(id);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const fields = Object.fromEntries(new FormData(form));
      const flight = String(fields.flight ?? '')
        .trim()
        .toUpperCase();
      if (await send({ ...fields, flight })) form.reset();
    });
  };
  onSubmit('add-form', (f) => call('POST', '/flights', f));
  onSubmit('update-form', ({ flight, state }) =>
    call('PATCH', `/flights/${encodeURIComponent(flight)}`, { state }),
  );
  onSubmit('remove-form', ({ flight }) => call('DELETE', `/flights/${encodeURIComponent(flight)}`));

  document.getElementById('drop').addEventListener('click', () => call('POST', '/drop'));
  document.getElementById('close').addEventListener('click', () => call('POST', '/close'));
  document.getElementById('open').addEventListener('click', async () => {
    if (!(await call('POST', '/open'))) return;
    // A board closed by the server stays closed; a new `src` opens a fresh stream.
    board.src = '';
    await board.updateComplete;
    board.src = '/events';
    log.reopen();
  });
}
