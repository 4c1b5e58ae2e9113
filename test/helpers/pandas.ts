import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const PYTHON = '/usr/bin/python3';

let available: boolean | undefined;

/** True when Debian's Python can import pandas and PyTables (the read-back checks need both). */
export function pandasAvailable(): boolean {
  available ??= spawnSync(PYTHON, ['-c', 'import pandas, tables'], { encoding: 'utf8' }).status === 0;
  return available;
}

/** `skip` option for node:test: false, or why the pandas checks cannot run here. */
export function skipWithoutPandas(): false | string {
  return pandasAvailable() ? false : `skipped: ${PYTHON} cannot import pandas and tables (apt install python3-pandas python3-tables)`;
}

/** Runs a Python script with `args` (sys.argv[1:]) and parses the JSON it prints on stdout. */
export function runPython<T = unknown>(script: string, ...args: string[]): T {
  const result = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Python prelude: imports and a `frame_json(df)` that describes a frame as plain JSON (NaN → null). */
export const PANDAS_PRELUDE = `
import json, sys
import numpy as np
import pandas as pd
def frame_json(df):
    return {
        "columnNames": [n for n in df.columns.names],
        "columns": [list(c) if isinstance(c, tuple) else [c] for c in df.columns],
        "indexNames": [n for n in df.index.names],
        "index": [list(i) if isinstance(i, tuple) else [i] for i in df.index],
        "values": [[None if v != v else float(v) for v in row] for row in df.to_numpy(dtype=float).tolist()],
    }
`;

/** What pandas sees in `read_hdf(file, key)`. */
export interface PandasView {
  columnNames: Array<string | null>;
  columns: string[][];
  indexNames: Array<string | null>;
  index: Array<Array<string | number>>;
  values: Array<Array<number | null>>;
}

export function readHdfWithPandas(file: string, key = 'df_with_missing'): PandasView {
  return runPython<PandasView>(`${PANDAS_PRELUDE}\nprint(json.dumps(frame_json(pd.read_hdf(sys.argv[1], sys.argv[2]))))`, file, key);
}

/** What pandas sees in `read_csv(file, header=[0..levels-1], index_col=[0..indexWidth-1])`. */
export function readCsvWithPandas(file: string, headerRows: number, indexWidth: number): PandasView {
  return runPython<PandasView>(
    `${PANDAS_PRELUDE}
h = int(sys.argv[2]); w = int(sys.argv[3])
df = pd.read_csv(sys.argv[1], header=list(range(h)), index_col=list(range(w)) if w > 1 else 0, float_precision='round_trip')
print(json.dumps(frame_json(df)))`,
    file,
    String(headerRows),
    String(indexWidth),
  );
}

/** A frame as JSON for pandas: column tuples and names, index tuples (one cell = a plain Index), values (null = NaN). */
export interface FrameSpec {
  columnNames: Array<string | null>;
  columns: string[][];
  index: Array<Array<string | number>>;
  values: Array<Array<number | null>>;
}

/** Node path → class, dtype, shape and attributes (type and repr) of an HDF5 file as PyTables sees it. */
export type HdfStructure = Record<string, { kind: string; dtype: string | null; shape: number[] | null; attrs: Record<string, string> }>;

/** One step of a batched pandas session (one Python start, ~1 s, for many steps). */
export type PandasJob =
  | { op: 'write'; spec: FrameSpec; file: string; format?: 'fixed' | 'table'; key?: string }
  | { op: 'readHdf'; file: string; key?: string }
  | { op: 'readCsv'; file: string; headerRows: number; indexWidth: number }
  | { op: 'structure'; file: string }
  | { op: 'resave'; from: string; file: string };

/** Runs `jobs` in order in one Python process; returns each job's result (null for writes). */
export function runPandasJobs(jobs: PandasJob[], scratch: string): unknown[] {
  const jobsFile = `${scratch}.jobs.json`;
  fs.writeFileSync(jobsFile, JSON.stringify(jobs));
  return runPython<unknown[]>(
    `${PANDAS_PRELUDE}
import tables
def structure(path):
    out = {}
    with tables.open_file(path) as f:
        for node in f.walk_nodes('/'):
            out[node._v_pathname] = {
                "kind": node.__class__.__name__,
                "dtype": str(node.dtype) if hasattr(node, 'dtype') else None,
                "shape": [int(s) for s in node.shape] if hasattr(node, "shape") else None,
                "attrs": {a: type(node._v_attrs[a]).__name__ + " " + repr(node._v_attrs[a]) for a in sorted(node._v_attrs._f_list("all"))},
            }
    return out
def frame_of(spec):
    columns = pd.MultiIndex.from_tuples([tuple(c) for c in spec["columns"]], names=spec["columnNames"])
    if len(spec["index"][0]) == 1:
        index = pd.Index([i[0] for i in spec["index"]])
    else:
        index = pd.MultiIndex.from_tuples([tuple(i) for i in spec["index"]])
    values = np.array([[np.nan if v is None else v for v in row] for row in spec["values"]], dtype=float)
    return pd.DataFrame(values, index=index, columns=columns)
results = []
for job in json.load(open(sys.argv[1])):
    op = job["op"]
    if op == "write":
        frame_of(job["spec"]).to_hdf(job["file"], key=job.get("key", "df_with_missing"), format=job.get("format", "fixed"), mode="w")
        results.append(None)
    elif op == "readHdf":
        results.append(frame_json(pd.read_hdf(job["file"], job.get("key", "df_with_missing"))))
    elif op == "readCsv":
        h, w = job["headerRows"], job["indexWidth"]
        results.append(frame_json(pd.read_csv(job["file"], header=list(range(h)), index_col=list(range(w)) if w > 1 else 0, float_precision="round_trip")))
    elif op == "structure":
        results.append(structure(job["file"]))
    elif op == "resave":
        pd.read_hdf(job["from"]).to_hdf(job["file"], key="df_with_missing")
        results.append(None)
print(json.dumps(results))
`,
    jobsFile,
  );
}
