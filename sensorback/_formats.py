"""The registry of recording readers, kept free of heavy imports so that the command line's
``--help`` can list the formats without loading numpy or pandas."""

# name -> module (relative to sensorback.io); detection runs in this order
FORMATS: dict[str, str] = {
    "canonical": ".canonical",
    "parquet": ".parquet",
    "qsense": ".qsense",
    "sisfall": ".sisfall",
    "session": ".session_file",
    "metabase": ".metabase",
    "phyphox": ".phyphox",
    "sensorlogger": ".sensorlogger",
    "witmotion": ".witmotion_csv",
    "stble": ".stble",
    "generic": ".generic",
}
"""Export folders and zips are told apart by their marker files (phyphox ``meta/device.csv``,
Sensor Logger ``Metadata.csv``, MetaBase's ``epoch (ms)`` headers); ``generic`` is never
detected (it needs a column map)."""
