import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHerdError } from '../../src-core/common/errors';
import { unpickle, type PickleValue } from '../../src-core/io/pickle';

// Made with CPython 3.11 / numpy 1.24:
// pickle.dumps([(1, [('Pranav','snout','x'), ('Pranav','snout','y')]), {'a': 1.5, 2: None, 'b': True, 'c': False},
//               b'by\x00tes', 2**70, -3, 'é€😀', 1e-300, []], protocol=p)
const PLAIN: Record<number, string> = {
  0: 'KGxwMAooSTEKKGxwMQooVlByYW5hdgpwMgpWc25vdXQKcDMKVngKcDQKdHA1CmEoZzIKZzMKVnkKcDYKdHA3CmF0cDgKYShkcDkKVmEKcDEwCkYxLjUKc0kyCk5zVmIKcDExCkkwMQpzVmMKcDEyCkkwMApzYWNfY29kZWNzCmVuY29kZQpwMTMKKFZieVx1MDAwMHRlcwpwMTQKVmxhdGluMQpwMTUKdHAxNgpScDE3CmFMMTE4MDU5MTYyMDcxNzQxMTMwMzQyNEwKYUktMwphVulcdTIwYWNcVTAwMDFmNjAwCnAxOAphRjFlLTMwMAphKGxwMTkKYS4=',
  1: 'XXEAKChLAV1xASgoWAYAAABQcmFuYXZxAlgFAAAAc25vdXRxA1gBAAAAeHEEdHEFKGgCaANYAQAAAHlxBnRxB2V0cQh9cQkoWAEAAABhcQpHP/gAAAAAAABLAk5YAQAAAGJxC0kwMQpYAQAAAGNxDEkwMAp1Y19jb2RlY3MKZW5jb2RlCnENKFgGAAAAYnkAdGVzcQ5YBgAAAGxhdGluMXEPdHEQUnERTDExODA1OTE2MjA3MTc0MTEzMDM0MjRMCkr9////WAkAAADDqeKCrPCfmIBxEkcBpW4fwvjzWV1xE2Uu',
  2: 'gAJdcQAoSwFdcQEoWAYAAABQcmFuYXZxAlgFAAAAc25vdXRxA1gBAAAAeHEEh3EFaAJoA1gBAAAAeXEGh3EHZYZxCH1xCShYAQAAAGFxCkc/+AAAAAAAAEsCTlgBAAAAYnELiFgBAAAAY3EMiXVjX2NvZGVjcwplbmNvZGUKcQ1YBgAAAGJ5AHRlc3EOWAYAAABsYXRpbjFxD4ZxEFJxEYoJAAAAAAAAAABASv3///9YCQAAAMOp4oKs8J+YgHESRwGlbh/C+PNZXXETZS4=',
  3: 'gANdcQAoSwFdcQEoWAYAAABQcmFuYXZxAlgFAAAAc25vdXRxA1gBAAAAeHEEh3EFaAJoA1gBAAAAeXEGh3EHZYZxCH1xCShYAQAAAGFxCkc/+AAAAAAAAEsCTlgBAAAAYnELiFgBAAAAY3EMiXVDBmJ5AHRlc3ENigkAAAAAAAAAAEBK/f///1gJAAAAw6nigqzwn5iAcQ5HAaVuH8L481ldcQ9lLg==',
  4: 'gASVfAAAAAAAAABdlChLAV2UKIwGUHJhbmF2lIwFc25vdXSUjAF4lIeUaAJoA4wBeZSHlGWGlH2UKIwBYZRHP/gAAAAAAABLAk6MAWKUiIwBY5SJdUMGYnkAdGVzlIoJAAAAAAAAAABASv3///+MCcOp4oKs8J+YgJRHAaVuH8L481ldlGUu',
  5: 'gAWVfAAAAAAAAABdlChLAV2UKIwGUHJhbmF2lIwFc25vdXSUjAF4lIeUaAJoA4wBeZSHlGWGlH2UKIwBYZRHP/gAAAAAAABLAk6MAWKUiIwBY5SJdUMGYnkAdGVzlIoJAAAAAAAAAABASv3///+MCcOp4oKs8J+YgJRHAaVuH8L481ldlGUu',
};

// pickle.dumps({'f': np.array([[1.5, 2.5], [3.0, np.nan]]), 'i': np.array([1, 2, 3], dtype=np.int8),
//               's': np.int64(7), 'o': np.array(['a', 'bc'], dtype=object)}, protocol=p)
const NUMPY: Record<number, string> = {
  2: 'gAJ9cQAoWAEAAABmcQFjbnVtcHkuY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAmNudW1weQpuZGFycmF5CnEDSwCFcQRjX2NvZGVjcwplbmNvZGUKcQVYAQAAAGJxBlgGAAAAbGF0aW4xcQeGcQhScQmHcQpScQsoSwFLAksChnEMY251bXB5CmR0eXBlCnENWAIAAABmOHEOiYiHcQ9ScRAoSwNYAQAAADxxEU5OTkr/////Sv////9LAHRxEmKJaAVYIgAAAAAAAAAAAMO4PwAAAAAAAARAAAAAAAAACEAAAAAAAADDuH9xE2gHhnEUUnEVdHEWYlgBAAAAaXEXaAJoA0sAhXEYaAmHcRlScRooSwFLA4VxG2gNWAIAAABpMXEciYiHcR1ScR4oSwNYAQAAAHxxH05OTkr/////Sv////9LAHRxIGKJaAVYAwAAAAECA3EhaAeGcSJScSN0cSRiWAEAAABzcSVjbnVtcHkuY29yZS5tdWx0aWFycmF5CnNjYWxhcgpxJmgNWAIAAABpOHEniYiHcShScSkoSwNoEU5OTkr/////Sv////9LAHRxKmJoBVgIAAAABwAAAAAAAABxK2gHhnEsUnEthnEuUnEvWAEAAABvcTBoAmgDSwCFcTFoCYdxMlJxMyhLAUsChXE0aA1YAgAAAE84cTWJiIdxNlJxNyhLA2gfTk5OSv////9K/////0s/dHE4YoldcTkoWAEAAABhcTpYAgAAAGJjcTtldHE8YnUu',
  4: 'gASVjQEAAAAAAAB9lCiMAWaUjBVudW1weS5jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRDAWKUh5RSlChLAUsCSwKGlGgFjAVkdHlwZZSTlIwCZjiUiYiHlFKUKEsDjAE8lE5OTkr/////Sv////9LAHSUYolDIAAAAAAAAPg/AAAAAAAABEAAAAAAAAAIQAAAAAAAAPh/lHSUYowBaZRoBGgHSwCFlGgJh5RSlChLAUsDhZRoDowCaTGUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LAHSUYolDAwECA5R0lGKMAXOUaAKMBnNjYWxhcpSTlGgOjAJpOJSJiIeUUpQoSwNoEk5OTkr/////Sv////9LAHSUYkMIBwAAAAAAAACUhpRSlIwBb5RoBGgHSwCFlGgJh5RSlChLAUsChZRoDowCTziUiYiHlFKUKEsDaB5OTk5K/////0r/////Sz90lGKJXZQojAFhlIwCYmOUZXSUYnUu',
};

// class E: __reduce__ = lambda self: (os.system, ('echo pwned',)); pickle.dumps(E(), protocol=2 / 0)
const EVIL2 = 'gAJjcG9zaXgKc3lzdGVtCnEAWAoAAABlY2hvIHB3bmVkcQGFcQJScQMu';
const EVIL0 = 'Y3Bvc2l4CnN5c3RlbQpwMAooVmVjaG8gcHduZWQKcDEKdHAyClJwMwou';

const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

describe('unpickle', () => {
  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    it(`reads plain data written with protocol ${protocol}`, () => {
      const value = unpickle(bytes(PLAIN[protocol])) as PickleValue[];
      assert.deepEqual(value[0], [1, [['Pranav', 'snout', 'x'], ['Pranav', 'snout', 'y']]]);
      const dict = value[1] as Map<unknown, unknown>;
      assert.ok(dict instanceof Map);
      assert.deepEqual([...dict.entries()], [['a', 1.5], [2, null], ['b', true], ['c', false]]);
      assert.deepEqual(Array.from(value[2] as Uint8Array), [...Buffer.from('by\x00tes', 'latin1')]);
      assert.equal(value[3], 2n ** 70n);
      assert.equal(value[4], -3);
      assert.equal(value[5], 'é€😀');
      assert.equal(value[6], 1e-300);
      assert.deepEqual(value[7], []);
    });
  }

  for (const protocol of [2, 4]) {
    it(`maps numpy arrays and scalars to plain data (protocol ${protocol})`, () => {
      const value = unpickle(bytes(NUMPY[protocol])) as Map<string, PickleValue>;
      const f = value.get('f') as number[][];
      assert.deepEqual(f[0], [1.5, 2.5]);
      assert.equal(f[1][0], 3);
      assert.ok(Number.isNaN(f[1][1]));
      assert.deepEqual(value.get('i'), [1, 2, 3]);
      assert.equal(value.get('s'), 7);
      assert.deepEqual(value.get('o'), ['a', 'bc']);
    });
  }

  it('resolves memo references to a numpy array to the finished array', () => {
    // a = np.array([1.5, 2.5]); pickle.dumps([a, a], protocol=2)
    const shared = 'gAJdcQAoY251bXB5LmNvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQFjbnVtcHkKbmRhcnJheQpxAksAhXEDY19jb2RlY3MKZW5jb2RlCnEEWAEAAABicQVYBgAAAGxhdGluMXEGhnEHUnEIh3EJUnEKKEsBSwKFcQtjbnVtcHkKZHR5cGUKcQxYAgAAAGY4cQ2JiIdxDlJxDyhLA1gBAAAAPHEQTk5OSv////9K/////0sAdHERYoloBFgRAAAAAAAAAAAAw7g/AAAAAAAABEBxEmgGhnETUnEUdHEVYmgKZS4=';
    assert.deepEqual(unpickle(bytes(shared)), [[1.5, 2.5], [1.5, 2.5]]);
  });

  it('reads the protocol-0 attributes PyTables writes (Python 2 longs, memo, dicts with int keys)', () => {
    const info = unpickle("(dp0\nL1L\n(dp1\nVnames\np2\n(lp3\nVscorer\np4\naVbodyparts\np5\naVcoords\np6\nasVtype\np7\nVMultiIndex\np8\nssVindex\np9\n(dp10\ns.");
    assert.ok(info instanceof Map);
    assert.deepEqual((info.get(1) as Map<string, unknown>).get('names'), ['scorer', 'bodyparts', 'coords']);
    assert.deepEqual(unpickle('(lp0\n(L0L\nVindex\np1\ntp2\na.'), [[0, 'index']]);
    assert.equal(unpickle('N.'), null);
    assert.equal(unpickle("S'it\\'s'\np0\n."), "it's");
  });

  it('refuses unknown globals and never runs them', () => {
    for (const evil of [EVIL2, EVIL0]) {
      assert.throws(
        () => unpickle(bytes(evil), 'attr.pickle'),
        (error: unknown) => isHerdError(error) && error.code === 'PICKLE_UNSAFE' && /posix\.system/.test(error.message) && error.location.file === 'attr.pickle',
      );
    }
    // A whitelisted global cannot be smuggled through with an unknown sibling either.
    assert.throws(() => unpickle('cbuiltins\neval\n(Vprint(1)\ntR.'), (error: unknown) => isHerdError(error) && error.code === 'PICKLE_UNSAFE');
    assert.throws(() => unpickle('(i__main__\nE\np0\n.'), (error: unknown) => isHerdError(error) && /INST|instantiate/.test(error.message));
  });

  it('rejects truncated and garbage input with a clear error', () => {
    const good = bytes(PLAIN[2]);
    assert.throws(() => unpickle(good.subarray(0, good.length - 5)), (error: unknown) => isHerdError(error) && error.code === 'PICKLE_INVALID');
    assert.throws(() => unpickle(new Uint8Array([0xff, 0x00, 0x01])), (error: unknown) => isHerdError(error) && /not a pickle/.test(error.message));
    assert.throws(() => unpickle(''), (error: unknown) => isHerdError(error) && /truncated/.test(error.message));
  });
});
