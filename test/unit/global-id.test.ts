import { describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { globalIdOf } from '../../src/domain/ids.js';

describe('globalIdOf', () => {
  it('gives the ids the schema gives (plugin-relay), so webhook and page payloads name rows as the API does', () => {
    for (const [typename, id] of [
      ['Incident', '0b7e9a52-3f4c-4f8e-9d3a-1c2b3a4d5e6f'],
      ['IncidentUpdate', 'ffffffff-ffff-4fff-bfff-ffffffffffff'],
      ['StatusPage', '00000000-0000-0000-0000-000000000000'],
    ]) {
      expect(globalIdOf(typename, id)).toBe(encodeGlobalID(typename, id));
    }
  });
});
