import { MemoryBroker } from '../../src/realtime/broker/memory';
import { LateBroker, LateNetwork } from '../support/brokers';
import { brokerContract } from './broker.contract';

brokerContract('memory', { maxInstances: 1, make: () => [new MemoryBroker()] });

let network = new LateNetwork();
brokerContract('late (test double of a networked broker)', {
  maxInstances: 10,
  make: (count) => {
    network = new LateNetwork();
    return Array.from({ length: count }, () => new LateBroker(network));
  },
  outage: {
    begin: async () => network.outage(),
    end: async () => network.restore(),
    publishWhileDown: 'rejects',
  },
});
