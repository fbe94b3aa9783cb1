import { describe, expect, it } from 'vitest';
import { InputCheck } from '../../src/domain/validation.js';
import { checkComponentFields, checkSlug, checkStatusPageFields, checkUserFields, PUBLIC_TIMELINE_KINDS } from '../../src/domain/catalog.js';

const fieldsOf = (check: InputCheck) => check.errors.map((error) => error.field?.join('.'));

describe('catalog input rules', () => {
  it('accepts slugs of lower-case letters, digits and inner hyphens, up to 63 characters', () => {
    for (const slug of ['a', 'acme', 'acme-status-2', '0', 'x'.repeat(63)]) {
      const check = new InputCheck();
      expect(checkSlug(check, slug)).toBe(slug);
      expect(check.ok, slug).toBe(true);
    }
    for (const slug of ['', ' ', 'Acme', '-acme', 'acme-', 'ac me', 'acme_status', 'ä', 'x'.repeat(64)]) {
      const check = new InputCheck();
      checkSlug(check, slug);
      expect(fieldsOf(check), slug).toEqual(['slug']);
    }
  });

  it('applies component defaults on create and passes only given fields on update', () => {
    const check = new InputCheck();
    expect(checkComponentFields(check, { name: ' API ' }, 'create')).toEqual({ name: 'API', status: 'OPERATIONAL', position: 0 });
    expect(checkComponentFields(check, { group: '  ', description: null }, 'update')).toEqual({ group: null, description: null });
    expect(check.ok).toBe(true);
    checkComponentFields(check, { name: null, status: null, position: 1.5 }, 'update');
    expect(fieldsOf(check)).toEqual(['name', 'status', 'position']);
  });

  it('makes status pages public unless told otherwise', () => {
    const check = new InputCheck();
    expect(checkStatusPageFields(check, { slug: 'acme', name: 'Acme' }, 'create')).toEqual({ slug: 'acme', name: 'Acme', public: true });
    expect(checkStatusPageFields(check, { public: false }, 'update')).toEqual({ public: false });
    checkStatusPageFields(check, { public: null }, 'update');
    expect(fieldsOf(check)).toEqual(['public']);
  });

  it('checks a user email loosely and the time zone against IANA, defaulting to UTC', () => {
    const check = new InputCheck();
    expect(checkUserFields(check, { name: 'Ada', email: ' ada@example.com ' })).toEqual({ name: 'Ada', email: 'ada@example.com', timeZone: 'UTC' });
    checkUserFields(check, { name: 'Ada', email: 'ada@example', timeZone: 'Europe/Atlantis' });
    expect(fieldsOf(check)).toEqual(['email', 'timeZone']);
  });

  it('shows the public the entries a status page audience reads, nothing internal', () => {
    expect(PUBLIC_TIMELINE_KINDS).toEqual(['CREATED', 'MESSAGE', 'STATUS_CHANGED', 'REOPENED']);
  });
});
