import { engineContract } from '../../../test/contracts/engine.contract.js';
import { createMemoryEngine } from './index.js';

// one process is one node: every "node" is the same engine
engineContract('memory', (options, nodes) => {
  const engine = createMemoryEngine(options);
  return Promise.resolve(Array.from({ length: nodes }, () => engine));
});
