import { SlipwayError } from '../errors.js';
import type { Driver, ExitInfo, InstanceHandle } from './driver.js';

/**
 * The drivers of one daemon, by name. A release names the driver that starts its instances;
 * every later call on an instance goes to the driver named in its handle.
 */
export class DriverRegistry {
  readonly #drivers = new Map<string, Driver>();
  readonly defaultName: string;

  constructor(drivers: readonly Driver[], defaultName = drivers[0]?.name) {
    for (const driver of drivers) {
      if (this.#drivers.has(driver.name)) throw new SlipwayError('SLW_INTERNAL', `Two drivers are named "${driver.name}".`);
      this.#drivers.set(driver.name, driver);
    }
    if (defaultName === undefined || !this.#drivers.has(defaultName)) {
      throw new SlipwayError('SLW_INTERNAL', `The default driver "${String(defaultName)}" is not registered.`);
    }
    this.defaultName = defaultName;
  }

  /** The driver of this name (undefined: the default one). */
  get(name: string | undefined = this.defaultName): Driver {
    const driver = this.#drivers.get(name);
    if (!driver) {
      throw new SlipwayError('SLW_DRIVER_UNKNOWN', `No driver named "${name}" runs in this daemon (known: ${[...this.#drivers.keys()].join(', ')}).`);
    }
    return driver;
  }

  /** The driver that started this instance. */
  of(handle: InstanceHandle): Driver {
    return this.get(handle.driver);
  }

  all(): Driver[] {
    return [...this.#drivers.values()];
  }

  onExit(listener: (exit: ExitInfo) => void): void {
    for (const driver of this.#drivers.values()) driver.onExit(listener);
  }

  /** Crash leftovers of every driver. */
  async findStrays(known: ReadonlySet<string>): Promise<InstanceHandle[]> {
    return (await Promise.all(this.all().map((d) => d.findStrays(known)))).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((d) => d.close()));
  }
}
