import { engineContract } from '../../../test/contracts/engine.contract.js';
import { createMemoryEngine } from './index.js';

engineContract('memory', (options) => createMemoryEngine(options));
