import numpy as np
from scipy.spatial.transform import Rotation

from sensorback.processing import quaternion as quat


def test_cumulative_product_matches_sequential_scipy():
    rng = np.random.default_rng(0)
    rv = rng.normal(0, 0.05, (1234, 3))
    got = quat.cumulative_product(quat.from_rotvec(rv))
    acc = Rotation.identity()
    want = []
    for r in Rotation.from_rotvec(rv):
        acc = acc * r
        want.append(acc.as_quat(scalar_first=True))
    want = np.array(want)
    want *= np.sign((want * got).sum(axis=1))[:, None]
    assert np.abs(got - want).max() < 1e-10


def test_rotate_matches_scipy():
    rng = np.random.default_rng(1)
    q = Rotation.random(50, random_state=2).as_quat(scalar_first=True)
    v = rng.normal(size=(50, 3))
    want = Rotation.from_quat(q, scalar_first=True).apply(v)
    assert np.allclose(quat.rotate(q, v), want)
    assert np.allclose(quat.rotate_inverse(q, want), v)


def test_from_rotvec_small_and_zero_angles():
    rv = np.array([[0.0, 0.0, 0.0], [1e-14, 0, 0], [0.3, -0.2, 0.1]])
    want = Rotation.from_rotvec(rv).as_quat(scalar_first=True)
    assert np.allclose(quat.from_rotvec(rv), want)


def test_empty_and_single():
    assert quat.cumulative_product(np.empty((0, 4))).shape == (0, 4)
    one = quat.cumulative_product(np.array([[1.0, 0, 0, 0]]))
    assert np.allclose(one, [[1, 0, 0, 0]])
