"""Trunk-angle accuracy of sensorback on the independent oracle simulator (tests/oracle).

Run:  python benchmarks/oracle_accuracy.py FIRST_SEED LAST_SEED
Prints per-session pitch/roll RMSE, or the error that stopped the analysis. This is the
cross-check the issue's acceptance uses (an independent simulator); see the closing note of
the session that added it for what it showed.
"""

import os
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, ".")
from tests.oracle.independent_sim import generate
import sensorback
warnings.simplefilter('ignore')
res=[]
for seed in range(int(sys.argv[1]), int(sys.argv[2])):
    o=generate(seed)
    d=tempfile.mkdtemp(); p=os.path.join(d,'o.csv'); o.samples.to_csv(p,index=False)
    try:
        a=sensorback.read(p).analyze()
    except Exception as e:
        print(seed,'ERR',e); continue
    tr=o.truth
    ep=a.angles.pitch_deg.to_numpy()-tr.pitch_deg.to_numpy()[:len(a.angles)]
    er=a.angles.roll_deg.to_numpy()-tr.roll_deg.to_numpy()[:len(a.angles)]
    rp,rr=np.sqrt(np.mean(ep**2)),np.sqrt(np.mean(er**2))
    res.append((rp,rr)); print(seed, o.fs_hz, len(a.angles)==len(tr), f"{rp:.3f} {rr:.3f}", a.calibration['method'])
print('max',np.max(res,0),'mean',np.mean(res,0))
