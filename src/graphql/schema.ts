import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './types/organization.js';
import './types/user.js';
import './types/component.js';
import './types/incident.js';
import './types/history.js';
import './types/analytics.js';
import './types/notifications.js';
import './types/status-page.js';
import './types/schedule.js';
import './types/escalation-policy.js';
import './types/contact-method.js';
import './types/escalation.js';
import './types/incident-links.js';
import './types/subscriptions.js';
import './types/api-key.js';
import './types/rate-limit.js';

/** The whole schema, with types sorted so its printed form is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());
