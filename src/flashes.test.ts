import { aTimeout, expect } from '@open-wc/testing';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Flashes } from './flashes.ts';

/** A stand-in for the element: runs the controller's update hooks around a "render". */
class Host implements ReactiveControllerHost {
  controllers: ReactiveController[] = [];
  updatesRequested = 0;
  readonly updateComplete = Promise.resolve(true);
  addController(c: ReactiveController): void {
    this.controllers.push(c);
  }
  removeController(): void {}
  requestUpdate(): void {
    this.updatesRequested++;
  }
  /** One render: `rendered` are the flights whose rows it renders. */
  render(flashes: Flashes, rendered: string[]): string[] {
    for (const c of this.controllers) c.hostUpdate?.();
    const flashing = rendered.filter((flight) => flashes.has(flight));
    for (const c of this.controllers) c.hostUpdated?.();
    return flashing;
  }
}

describe('Flashes', () => {
  it('highlights a changed flight when its row renders, until the flash is over, then asks for a render', async () => {
    const host = new Host();
    const flashes = new Flashes(host, 40, 10);
    flashes.add('A1');
    expect(host.render(flashes, ['A1', 'B2'])).to.deep.equal(['A1']);
    expect(host.render(flashes, ['A1', 'B2'])).to.deep.equal(['A1']);
    await aTimeout(80);
    expect(host.updatesRequested).to.equal(1);
    expect(host.render(flashes, ['A1', 'B2'])).to.deep.equal([]);
  });

  it('highlights at most `max` at once', () => {
    const host = new Host();
    const flashes = new Flashes(host, 1000, 2);
    for (const flight of ['A', 'B', 'C']) flashes.add(flight);
    expect(host.render(flashes, ['A', 'B', 'C'])).to.deep.equal(['A', 'B']);
  });

  it('does not flash a row rendered only after the change (a row scrolled into view later)', () => {
    const host = new Host();
    const flashes = new Flashes(host, 1000, 10);
    flashes.add('A');
    host.render(flashes, ['B']);
    expect(host.render(flashes, ['A', 'B'])).to.deep.equal([]);
  });

  it('restarts the highlight of a flight that changes again while it flashes', async () => {
    const host = new Host();
    // Margins for timers that fire late on a loaded machine: the change comes 150 ms before the
    // first flash ends, and the check 200 ms before the restarted one does.
    const flashes = new Flashes(host, 400, 10);
    flashes.add('A');
    host.render(flashes, ['A']);
    await aTimeout(250);
    flashes.add('A');
    host.render(flashes, ['A']);
    await aTimeout(200); // past the first flash's end
    expect(host.render(flashes, ['A'])).to.deep.equal(['A']);
  });
});
