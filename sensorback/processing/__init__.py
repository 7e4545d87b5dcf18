"""Pure signal processing: numpy, scipy and pandas only.

Catalogue
---------
integrity.check_time_base      gaps, duplicates, backwards steps, NaN rows, clock drift
stillness.find_still            still periods
calibration.find_standing       the standing calibration period
calibration.calibrate_mount     sensor-to-body rotation (standing + lying refinement)
calibration.posture_runs        the held postures' sums the fit needs (kept by the live path)
calibration.fit_postures        calibrate_mount from those sums
orientation.estimate_gyro_bias  gyro bias re-estimated in every still period
orientation.compute_up          gravity direction by zero-phase gyro/accelerometer fusion
orientation.compute_angles      pitch_deg and roll_deg of the trunk
quaternion                      vectorised quaternion maths (prefix-product integration)

This package never imports bleak, matplotlib or asyncio (a test checks it).
"""
