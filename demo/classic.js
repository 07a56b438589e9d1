// A classic script (no modules): listens to the element's typed events. The IIFE bundle also
// exposes its exports as the global `FlightBoard` (e.g. `FlightBoard.FlightBoardElement`).
document.addEventListener('DOMContentLoaded', () => {
  const board = document.querySelector('flight-board');
  const changes = document.getElementById('changes');
  let count = 0;
  board.addEventListener('flight-board-change', (event) => {
    count += 1;
    changes.textContent = `${count} change${count === 1 ? '' : 's'}; latest: ${event.flight.flight} ${event.kind} (${event.flight.state || 'no state'}).`;
  });
});
