// sumavlib.suma_message_publish <channel> <json>
// Broadcasts a JSON message to the tenant's subscribers of <channel>: the payload is published
// byte for byte, after it is appended to the tenant's event log (type `message`, data
// {"channel", "payload"}), so a subscriber that missed it can read it with suma_events_since. :1.

import type { CommandSpec } from '../../src/registry/spec.js';
import { channel, keys } from '../../src/state/keys.js';
import { MESSAGE_PUBLISH } from '../../src/state/scripts/events.js';
import { publishChannel } from '../vip/common.js';
import { embeddableJson } from './common.js';

export const messagePublish = {
  name: 'sumavlib.suma_message_publish',
  arity: 3,
  flags: ['write', 'pubsub'],
  summary: "Publishes a JSON message on a channel of the tenant's, logged first",
  group: 'sumavlib',
  since: '1.0.0',
  async handler({ args, tenant, state, limits }) {
    const name = publishChannel(args, limits.name);
    const payload = embeddableJson(args, limits.json);
    args.finish();
    await state.run<number>(
      MESSAGE_PUBLISH,
      [keys.events(tenant), keys.eventSizes(tenant), keys.eventBytes(tenant)],
      [limits.eventLogBytes, channel(tenant, name), name, payload],
      false,
    );
    return 1;
  },
} satisfies CommandSpec;
