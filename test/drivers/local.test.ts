import { processOf } from '../../src/drivers/local/local-handle.js';
import { LocalDriverLab } from '../helpers/driver-local.js';
import { runDriverContract } from './contract.js';

let lab: LocalDriverLab | undefined;

runDriverContract(
  'local',
  async () => {
    const current = await LocalDriverLab.create();
    lab = current;
    return {
      driver: current.driver(),
      sibling: () => current.driver(),
      crash: (handle) => void process.kill(processOf(handle).pid, 'SIGKILL'),
      cleanup: (handles) => current.cleanup(handles),
    };
  },
  async (id) => {
    if (!lab) throw new Error('no lab');
    return lab.spec(id);
  },
);
