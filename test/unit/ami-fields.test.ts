import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsafeValueError } from '../../src/errors.js';
import { MAX_LINE_BYTES, buildAction } from '../../src/pbx/ami/fields.js';

test('buildAction puts Action and ActionID first, stringifies values, leaves out undefined', () => {
  const request = buildAction(
    'Originate',
    { Channel: 'PJSIP/101', Priority: 1, Async: true, Timeout: undefined },
    'pms-7',
  );
  assert.deepEqual(request, {
    action: 'Originate',
    actionid: 'pms-7',
    Channel: 'PJSIP/101',
    Priority: '1',
    Async: 'true',
  });
  assert.deepEqual(Object.keys(request).slice(0, 2), ['action', 'actionid']);
});

test('buildAction refuses CR, LF and NUL in values and in the action name', () => {
  for (const bad of ['a\r\nAction: Originate', 'a\nb', 'a\rb', 'a\0b', '\r\n']) {
    assert.throws(() => buildAction('Ping', { Data: bad }, 'pms-1'), UnsafeValueError);
    assert.throws(() => buildAction(bad, {}, 'pms-1'), UnsafeValueError);
  }
});

test('buildAction refuses field names outside [A-Za-z][A-Za-z0-9_-]*', () => {
  for (const bad of ['', '1abc', 'a b', 'a:b', 'a\r\nb', 'Ä', '-x']) {
    assert.throws(() => buildAction('Ping', { [bad]: 'x' }, 'pms-1'), UnsafeValueError, JSON.stringify(bad));
  }
  assert.doesNotThrow(() => buildAction('Ping', { 'X-Header_2': 'x' }, 'pms-1'));
});

test('buildAction refuses Action/ActionID given as fields (the engine sets them)', () => {
  for (const name of ['Action', 'action', 'ActionID', 'actionid']) {
    assert.throws(() => buildAction('Ping', { [name]: 'x' }, 'pms-1'), UnsafeValueError);
  }
});

test('buildAction refuses a line longer than an AMI line may be, and non-finite numbers', () => {
  const fits = 'x'.repeat(MAX_LINE_BYTES - 'Data: '.length);
  assert.doesNotThrow(() => buildAction('Ping', { Data: fits }, 'pms-1'));
  assert.throws(() => buildAction('Ping', { Data: `${fits}x` }, 'pms-1'), UnsafeValueError);
  assert.throws(() => buildAction('Ping', { N: Number.NaN }, 'pms-1'), UnsafeValueError);
  assert.throws(() => buildAction('Ping', { O: {} as unknown as string }, 'pms-1'), UnsafeValueError);
});

test('the UnsafeValueError names the offending field', () => {
  assert.throws(
    () => buildAction('Ping', { Family: 'ok', Val: 'a\nb' }, 'pms-1'),
    (err: unknown) => err instanceof UnsafeValueError && err.field === 'Val',
  );
});
