import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './types/organization.js';
import './types/user.js';
import './types/component.js';
import './types/incident.js';

/** The whole schema, with types sorted so its printed form is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());
