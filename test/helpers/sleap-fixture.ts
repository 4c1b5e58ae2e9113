import { execFileSync } from 'node:child_process';

/** What a test .slp holds: written by h5py exactly as SLEAP/sleap-io lay it out. */
export interface SlpFixture {
  formatId?: number;
  nodes: string[];
  edges: Array<[number, number]>;
  symmetries?: Array<[number, number]>;
  videos: Array<{ filename: string; frames: number; height: number; width: number }>;
  tracks: string[];
  /** Per labeled frame: video index, frame index, instances with points (null = not visible). */
  frames: Array<{
    video: number;
    frameIndex: number;
    instances: Array<{ predicted?: boolean; track: number; score?: number; fromPredicted?: number; points: Array<[number, number] | null> }>;
  }>;
}

const WRITER = String.raw`
import h5py, json, sys
import numpy as np
spec = json.load(sys.stdin)
path = sys.argv[1]
edge_type = lambda value, first: ({"py/reduce": [{"py/type": "sleap.skeleton.EdgeType"}, {"py/tuple": [value]}]} if first else {"py/id": value})
links, seen = [], set()
for kind, pairs in ((1, spec["edges"]), (2, spec.get("symmetries", []))):
    for source, target in pairs:
        links.append({"source": source, "target": target, "key": 0, "type": edge_type(kind, kind not in seen)})
        seen.add(kind)
meta = {"version": "1.3.4", "nodes": [{"name": n, "weight": 1.0} for n in spec["nodes"]],
        "skeletons": [{"directed": True, "graph": {"name": "Skeleton-0", "num_edges_inserted": len(links)}, "links": links,
                       "multigraph": True, "nodes": [{"id": i} for i in range(len(spec["nodes"]))]}],
        "videos": [], "tracks": [], "suggestions": [], "negative_anchors": {}, "provenance": {}}
frame_dtype = [("frame_id", "u8"), ("video", "u4"), ("frame_idx", "u8"), ("instance_id_start", "u8"), ("instance_id_end", "u8")]
instance_dtype = [("instance_id", "i8"), ("instance_type", "u1"), ("frame_id", "u8"), ("skeleton", "u4"), ("track", "i4"),
                  ("from_predicted", "i8"), ("score", "f4"), ("point_id_start", "u8"), ("point_id_end", "u8"), ("tracking_score", "f4")]
point_dtype = [("x", "f8"), ("y", "f8"), ("visible", "?"), ("complete", "?")]
pred_dtype = point_dtype + [("score", "f8")]
frames, instances, points, pred = [], [], [], []
for frame_id, frame in enumerate(spec["frames"]):
    start = len(instances)
    for inst in frame["instances"]:
        predicted = inst.get("predicted", False)
        target = pred if predicted else points
        first = len(target)
        for p in inst["points"]:
            row = (np.nan, np.nan, False, False) if p is None else (p[0], p[1], True, True)
            target.append(row + ((0.9,) if predicted else ()))
        source = inst.get("fromPredicted", -1)
        instances.append((len(instances), 1 if predicted else 0, frame_id, 0, inst["track"],
                          start + source if source >= 0 else -1, inst.get("score", 0.0), first, len(target), 0.0))
    frames.append((frame_id, frame["video"], frame["frameIndex"], start, len(instances)))
with h5py.File(path, "w") as f:
    g = f.create_group("metadata")
    g.attrs["format_id"] = spec.get("formatId", 1.2)
    g.attrs["json"] = np.bytes_(json.dumps(meta))
    videos = [json.dumps({"filename": v["filename"], "backend": {"type": "MediaVideo", "shape": [v["frames"], v["height"], v["width"], 3],
              "filename": v["filename"], "grayscale": False, "bgr": True, "fps": 30.0}}) for v in spec["videos"]]
    f.create_dataset("videos_json", data=[np.bytes_(v) for v in videos], maxshape=(None,))
    f.create_dataset("tracks_json", data=[np.bytes_(json.dumps([0, t])) for t in spec["tracks"]], maxshape=(None,))
    f.create_dataset("suggestions_json", data=np.array([], dtype="S1"), maxshape=(None,))
    f.create_dataset("frames", data=np.array(frames, dtype=frame_dtype), maxshape=(None,))
    f.create_dataset("instances", data=np.array(instances, dtype=instance_dtype), maxshape=(None,))
    f.create_dataset("points", data=np.array(points, dtype=point_dtype), maxshape=(None,))
    f.create_dataset("pred_points", data=np.array(pred, dtype=pred_dtype), maxshape=(None,))
`;

/** True when Debian's python3 with h5py (the library SLEAP writes with) is there to build fixtures. */
export function canWriteSlp(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function writeSlpFixture(file: string, fixture: SlpFixture): void {
  execFileSync('/usr/bin/python3', ['-c', WRITER, file], { input: JSON.stringify(fixture) });
}
