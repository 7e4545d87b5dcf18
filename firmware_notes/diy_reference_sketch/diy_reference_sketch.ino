/*
  sensorback DIY reference sketch: streams the sensorback open BLE profile, version 1
  (specification and test vectors: firmware_notes/diy.md).

  Boards: ESP32 (Arduino-ESP32 core) or nRF52840 (Arduino Nano 33 BLE), with the ArduinoBLE
          library (for ESP32, a release from after August 2022, when ESP32 support was merged).
          Not compiled for a board by the sensorback test suite; its packet code is.
  IMU:    an InvenSense MPU-6050 / MPU-6500 / MPU-9250 at I2C address 0x68 (SDA/SCL of the board).
          Any other 6-axis IMU works: replace imuBegin(), imuRead() and the two *_LSB constants
          (the scale factors travel in every packet, so the host needs no change).

  What it does: advertises as "sensorback-XXXX" with the sensorback service; once a central writes
  01 to the control characteristic it samples the IMU every period on its own micros() clock and
  notifies packets of N samples (N = rate / 25, so about 25 notifications per second).
  Control: 00 stop, 01 start, 02 <u16 LE rate in Hz> set the rate (16..400 Hz; default 100 Hz).

  The host must negotiate an ATT MTU of at least 3 + the packet size (21 + 12 N bytes; 213 bytes
  at 400 Hz); the operating systems' BLE stacks under bleak normally ask for a large MTU on
  their own (not verified for every platform).  If the loop falls more than 4 periods behind,
  the partial packet is sent and the missed samples are skipped: the host sees a time gap and
  counts them as lost instead of receiving mistimed samples.
*/

#include <ArduinoBLE.h>
#include <Wire.h>

// ---- sensorback DIY packet v1 (plain C++; tests/devices/test_diy.py compiles it on a PC) ----
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static const uint8_t DIY_VERSION = 1;
static const uint8_t DIY_FLAG_GYRO = 0x01;
static const size_t DIY_HEADER_BYTES = 19;  // fixed header (15) + gyro scale (4)
static const size_t DIY_SAMPLE_BYTES = 12;  // ax ay az gx gy gz, int16 each

// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
static uint16_t crc16CcittFalse(const uint8_t* data, size_t length) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < length; ++i) {
    crc ^= (uint16_t)(data[i] << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}

// Little-endian writers, independent of the CPU's byte order.
static size_t putU16(uint8_t* out, uint16_t value) {
  out[0] = (uint8_t)(value & 0xFF);
  out[1] = (uint8_t)(value >> 8);
  return 2;
}

static size_t putU32(uint8_t* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out[i] = (uint8_t)((value >> (8 * i)) & 0xFF);
  }
  return 4;
}

static size_t putF32(uint8_t* out, float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);  // IEEE-754 single precision on every supported board
  return putU32(out, bits);
}

// Writes one 6-axis packet into `out` (room for DIY_HEADER_BYTES + 12 n + 2 bytes) and returns
// its length.  `samples` holds n rows of ax ay az gx gy gz in sensor counts.
static size_t buildDiyPacket(uint8_t* out, uint16_t seq, uint32_t t0Us, uint16_t periodUs,
                             uint8_t n, float accLsb, float gyroLsb, const int16_t* samples) {
  size_t k = 0;
  out[k++] = DIY_VERSION;
  out[k++] = DIY_FLAG_GYRO;
  k += putU16(out + k, seq);
  k += putU32(out + k, t0Us);
  k += putU16(out + k, periodUs);
  out[k++] = n;
  k += putF32(out + k, accLsb);
  k += putF32(out + k, gyroLsb);
  for (size_t i = 0; i < (size_t)n * 6; ++i) {
    k += putU16(out + k, (uint16_t)samples[i]);
  }
  k += putU16(out + k, crc16CcittFalse(out, k));
  return k;
}
// ---- end of packet code ----

// ---- BLE profile ----
static const char* SERVICE_UUID = "5b1e0001-7c3a-4d6e-9f21-8a4c53b0d7e2";
static const char* DATA_UUID = "5b1e0002-7c3a-4d6e-9f21-8a4c53b0d7e2";
static const char* CONTROL_UUID = "5b1e0003-7c3a-4d6e-9f21-8a4c53b0d7e2";
static const uint8_t CMD_STOP = 0x00;
static const uint8_t CMD_START = 0x01;
static const uint8_t CMD_SET_RATE = 0x02;

static const uint8_t MAX_SAMPLES = 16;
static const size_t MAX_PACKET_BYTES = DIY_HEADER_BYTES + DIY_SAMPLE_BYTES * MAX_SAMPLES + 2;
static const uint16_t PACKETS_PER_SECOND = 25;
static const uint16_t MIN_RATE_HZ = 16;   // the period must fit the u16 µs field
static const uint16_t MAX_RATE_HZ = 400;  // what the I2C read and BLE link sustain comfortably
static const uint32_t MAX_LAG_PERIODS = 4;

BLEService sensorService(SERVICE_UUID);
BLECharacteristic dataCharacteristic(DATA_UUID, BLENotify, MAX_PACKET_BYTES);
BLECharacteristic controlCharacteristic(CONTROL_UUID, BLEWrite | BLEWriteWithoutResponse, 3);

// ---- IMU: MPU-6050 family over I2C ----
static const uint8_t IMU_ADDRESS = 0x68;
// Scales in m/s² and rad/s per count, computed in double and rounded once to float.
static const float ACC_LSB = (float)(9.80665 / 4096.0);                   // ±8 g: 4096 counts/g
static const float GYRO_LSB = (float)(3.14159265358979 / 180.0 / 32.8);   // ±1000 °/s: 32.8 counts/(°/s)

static void imuWrite(uint8_t reg, uint8_t value) {
  Wire.beginTransmission(IMU_ADDRESS);
  Wire.write(reg);
  Wire.write(value);
  Wire.endTransmission();
}

// Digital low-pass filter below the Nyquist frequency of the polling rate (DLPF_CFG codes).
static void imuSetBandwidth(uint16_t rateHz) {
  uint8_t dlpf = rateHz <= 50 ? 4 : (rateHz <= 100 ? 3 : 2);  // 21, 44 or 94 Hz
  imuWrite(0x1A, dlpf);
}

static bool imuBegin() {
  imuWrite(0x6B, 0x01);  // PWR_MGMT_1: wake up, clock from the X gyro PLL
  delay(100);
  imuWrite(0x19, 0x00);  // SMPLRT_DIV: 1 kHz internal rate (with DLPF on)
  imuWrite(0x1B, 0x10);  // GYRO_CONFIG: ±1000 °/s
  imuWrite(0x1C, 0x10);  // ACCEL_CONFIG: ±8 g
  Wire.beginTransmission(IMU_ADDRESS);
  Wire.write(0x75);      // WHO_AM_I
  if (Wire.endTransmission(false) != 0 || Wire.requestFrom(IMU_ADDRESS, (uint8_t)1) != 1) {
    return false;
  }
  uint8_t who = Wire.read();
  return who == 0x68 || who == 0x70 || who == 0x71 || who == 0x73;
}

// Reads ax ay az gx gy gz (counts) into out[0..5]; the registers are big-endian.
static bool imuRead(int16_t* out) {
  Wire.beginTransmission(IMU_ADDRESS);
  Wire.write(0x3B);  // ACCEL_XOUT_H, then temperature, then gyro
  if (Wire.endTransmission(false) != 0 || Wire.requestFrom(IMU_ADDRESS, (uint8_t)14) != 14) {
    return false;
  }
  uint8_t raw[14];
  for (int i = 0; i < 14; ++i) {
    raw[i] = Wire.read();
  }
  for (int axis = 0; axis < 3; ++axis) {
    out[axis] = (int16_t)((raw[2 * axis] << 8) | raw[2 * axis + 1]);
    out[3 + axis] = (int16_t)((raw[8 + 2 * axis] << 8) | raw[9 + 2 * axis]);
  }
  return true;
}

// ---- streaming state ----
static bool streaming = false;
static uint16_t rateHz = 100;
static uint32_t periodUs = 10000;
static uint8_t samplesPerPacket = 4;
static uint16_t seq = 0;
static uint32_t nextSampleUs = 0;
static uint32_t firstSampleUs = 0;
static uint8_t count = 0;
static int16_t samples[MAX_SAMPLES * 6];
static uint8_t packet[MAX_PACKET_BYTES];
static char localName[20];

static void setRate(uint16_t hz) {
  rateHz = hz < MIN_RATE_HZ ? MIN_RATE_HZ : (hz > MAX_RATE_HZ ? MAX_RATE_HZ : hz);
  periodUs = 1000000UL / rateHz;
  uint16_t n = rateHz / PACKETS_PER_SECOND;
  samplesPerPacket = n < 1 ? 1 : (n > MAX_SAMPLES ? MAX_SAMPLES : n);
  imuSetBandwidth(rateHz);
}

static void sendPacket() {
  if (count == 0) {
    return;
  }
  size_t length = buildDiyPacket(packet, seq, firstSampleUs, (uint16_t)periodUs, count,
                                 ACC_LSB, GYRO_LSB, samples);
  if (dataCharacteristic.subscribed()) {
    dataCharacteristic.writeValue(packet, (int)length);
  }
  seq++;  // counts packets built, so a packet the stack could not send shows up as lost
  count = 0;
}

static void handleCommand(const uint8_t* value, int length) {
  if (length < 1) {
    return;
  }
  if (value[0] == CMD_STOP) {
    sendPacket();
    streaming = false;
  } else if (value[0] == CMD_START) {
    count = 0;
    nextSampleUs = micros();
    streaming = true;
  } else if (value[0] == CMD_SET_RATE && length >= 3) {
    sendPacket();
    setRate((uint16_t)(value[1] | (value[2] << 8)));
    nextSampleUs = micros();
  }
}

void setup() {
  Wire.begin();
  Wire.setClock(400000);
  bool imuOk = imuBegin();
  setRate(rateHz);
  if (!imuOk || !BLE.begin()) {
    while (true) {
      delay(1000);  // nothing sensible to stream: stay silent rather than send garbage
    }
  }
  String address = BLE.address();  // "aa:bb:cc:dd:ee:ff"
  String suffix = address.substring(12, 14) + address.substring(15, 17);
  suffix.toUpperCase();
  snprintf(localName, sizeof localName, "sensorback-%s", suffix.c_str());
  BLE.setLocalName(localName);
  BLE.setDeviceName(localName);
  BLE.setAdvertisedService(sensorService);
  sensorService.addCharacteristic(dataCharacteristic);
  sensorService.addCharacteristic(controlCharacteristic);
  BLE.addService(sensorService);
  BLE.advertise();
}

void loop() {
  BLE.poll();
  if (controlCharacteristic.written()) {
    handleCommand(controlCharacteristic.value(), controlCharacteristic.valueLength());
  }
  if (!BLE.connected()) {
    streaming = false;
    count = 0;
    return;
  }
  if (!streaming) {
    return;
  }
  uint32_t now = micros();
  if ((int32_t)(now - nextSampleUs) < 0) {
    return;
  }
  uint32_t behind = (now - nextSampleUs) / periodUs;
  if (behind > MAX_LAG_PERIODS) {
    sendPacket();                      // keep every packet evenly spaced
    nextSampleUs += behind * periodUs;  // skipped samples appear as a time gap
  }
  if (!imuRead(&samples[count * 6])) {
    sendPacket();  // a failed read becomes a one-sample time gap, never a made-up value
    nextSampleUs += periodUs;
    return;
  }
  if (count == 0) {
    firstSampleUs = nextSampleUs;  // the scheduled time: samples sit on an exact grid
  }
  nextSampleUs += periodUs;
  if (++count == samplesPerPacket) {
    sendPacket();
  }
}
