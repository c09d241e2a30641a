import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { AmiActionError, PbxUnavailableError, UnsafeValueError } from '../../src/errors.js';
import { AstDb } from '../../src/pbx/astdb.js';
import type { AmiFields, AmiLink, AmiLinkEvents, AmiResult } from '../../src/pbx/types.js';

/** An AmiLink that records actions and answers from a script. */
class StubAmi extends EventEmitter<AmiLinkEvents> implements AmiLink {
  readonly state = 'ready' as const;
  readonly sent: { name: string; fields: AmiFields }[] = [];
  constructor(private readonly answer: (name: string, fields: AmiFields) => AmiResult) {
    super();
  }
  start(): void {}
  async stop(): Promise<void> {}
  async action(name: string, fields: AmiFields = {}): Promise<AmiResult> {
    this.sent.push({ name, fields });
    return this.answer(name, fields);
  }
}

const ok = (fields = {}, events: AmiResult['events'] = []): AmiResult => ({
  response: 'Success',
  message: undefined,
  fields,
  events,
});
const notFound = (name: string): never => {
  throw new AmiActionError(name, 'Database entry not found', {});
};

test('put sends DBPut with Family, Key and Val', async () => {
  const ami = new StubAmi(() => ok());
  await new AstDb(ami).put('pms/room', '101', 'wake 0700');
  assert.deepEqual(ami.sent, [
    { name: 'DBPut', fields: { Family: 'pms/room', Key: '101', Val: 'wake 0700' } },
  ]);
});

test('get returns the value of the DBGetResponse event', async () => {
  const ami = new StubAmi(() =>
    ok({}, [{ event: 'DBGetResponse', fields: { family: 'pms', key: '101', val: 'x y' } }]),
  );
  assert.equal(await new AstDb(ami).get('pms', '101'), 'x y');
  assert.deepEqual(ami.sent[0], { name: 'DBGet', fields: { Family: 'pms', Key: '101' } });
});

test('get returns an empty value as the empty string, a missing entry as undefined', async () => {
  const empty = new StubAmi(() => ok({}, [{ event: 'DBGetResponse', fields: { val: '' } }]));
  assert.equal(await new AstDb(empty).get('pms', '101'), '');
  const missing = new StubAmi((name) => notFound(name));
  assert.equal(await new AstDb(missing).get('pms', '101'), undefined);
});

test('other failures propagate unchanged', async () => {
  const down = new StubAmi(() => {
    throw new PbxUnavailableError('ami', 'down', 'PBX unreachable: AMI link is reconnecting');
  });
  await assert.rejects(new AstDb(down).get('pms', '1'), PbxUnavailableError);
  const denied = new StubAmi((name) => {
    throw new AmiActionError(name, 'Permission denied', {});
  });
  await assert.rejects(new AstDb(denied).put('pms', '1', 'x'), AmiActionError);
});

test('del and delTree answer whether something was deleted', async () => {
  const ami = new StubAmi((name, fields) => {
    if (fields.Key !== 'gone') return ok();
    // What Asterisk 22 answers for a missing entry, per action.
    throw new AmiActionError(
      name,
      name === 'DBDel' ? 'Database entry could not be deleted' : 'Database entry not found',
      {},
    );
  });
  const db = new AstDb(ami);
  assert.equal(await db.del('pms', '101'), true);
  assert.equal(await db.del('pms', 'gone'), false);
  assert.equal(await db.delTree('pms'), true);
  assert.equal(await db.delTree('pms', 'gone'), false);
  assert.deepEqual(ami.sent[2], { name: 'DBDelTree', fields: { Family: 'pms', Key: undefined } });
});

test('bad families, keys and values are refused before anything is sent', async () => {
  const ami = new StubAmi(() => ok());
  const db = new AstDb(ami);
  const badNames = ['', '/pms', 'pms/', 'a//b', 'a b', 'a\r\nAction: Originate', 'a:b', 'ä', 'x'.repeat(129)];
  for (const bad of badNames) {
    await assert.rejects(db.put(bad, 'k', 'v'), UnsafeValueError, `family ${JSON.stringify(bad)}`);
    await assert.rejects(db.get('pms', bad), UnsafeValueError, `key ${JSON.stringify(bad)}`);
    await assert.rejects(db.del('pms', bad), UnsafeValueError);
    await assert.rejects(db.delTree(bad), UnsafeValueError);
  }
  for (const bad of ['a\rb', 'a\nb', 'a\0b']) await assert.rejects(db.put('pms', 'k', bad), UnsafeValueError);
  assert.deepEqual(ami.sent, []);
});
