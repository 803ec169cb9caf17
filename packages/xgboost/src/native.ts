import koffi from 'koffi';

/**
 * The XGBoost C API (1.7) through koffi. Only what training, evaluation, prediction and model
 * I/O need; every call returns 0 or -1, and -1 is turned into an XGBoostError with XGBoost's
 * own message.
 */
function bind() {
  let library: koffi.IKoffiLib;
  try {
    library = koffi.load(process.env.XGBOOST_LIBRARY ?? 'libxgboost.so.0');
  } catch (error) {
    throw new Error(`XGBoost is not installed (${(error as Error).message}): apt-get install libxgboost0`, { cause: error });
  }
  // Named opaque handle types, used by the signatures below.
  koffi.pointer('DMatrixHandle', koffi.opaque());
  koffi.pointer('BoosterHandle', koffi.opaque());
  return {
    version: library.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)'),
    lastError: library.func('const char *XGBGetLastError()'),
    dmatrixFromMat: library.func('int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ DMatrixHandle *out)'),
    dmatrixSetFloatInfo: library.func('int XGDMatrixSetFloatInfo(DMatrixHandle handle, const char *field, const float *array, uint64_t len)'),
    dmatrixFree: library.func('int XGDMatrixFree(DMatrixHandle handle)'),
    boosterCreate: library.func('int XGBoosterCreate(DMatrixHandle *dmats, uint64_t len, _Out_ BoosterHandle *out)'),
    boosterFree: library.func('int XGBoosterFree(BoosterHandle handle)'),
    boosterSetParam: library.func('int XGBoosterSetParam(BoosterHandle handle, const char *name, const char *value)'),
    boosterUpdateOneIter: library.func('int XGBoosterUpdateOneIter(BoosterHandle handle, int iter, DMatrixHandle dtrain)'),
    boosterEvalOneIter: library.func(
      'int XGBoosterEvalOneIter(BoosterHandle handle, int iter, DMatrixHandle *dmats, const char **names, uint64_t len, _Out_ const char **out)',
    ),
    boosterSlice: library.func('int XGBoosterSlice(BoosterHandle handle, int begin_layer, int end_layer, int step, _Out_ BoosterHandle *out)'),
    boosterBoostedRounds: library.func('int XGBoosterBoostedRounds(BoosterHandle handle, _Out_ int *out)'),
    boosterPredict: library.func(
      'int XGBoosterPredictFromDMatrix(BoosterHandle handle, DMatrixHandle dmat, const char *config, _Out_ const uint64_t **out_shape, _Out_ uint64_t *out_dim, _Out_ const float **out_result)',
    ),
    boosterSaveToBuffer: library.func(
      'int XGBoosterSaveModelToBuffer(BoosterHandle handle, const char *config, _Out_ uint64_t *out_len, _Out_ const uint8_t **out_dptr)',
    ),
    boosterSaveJsonConfig: library.func('int XGBoosterSaveJsonConfig(BoosterHandle handle, _Out_ uint64_t *out_len, _Out_ const char **out_str)'),
    boosterLoadFromBuffer: library.func('int XGBoosterLoadModelFromBuffer(BoosterHandle handle, const uint8_t *buf, uint64_t len)'),
    decode: koffi.decode,
    /** An ArrayBuffer over `length` bytes of native memory (no copy: read it before XGBoost reuses the memory). */
    view: koffi.view,
    /** A C array of `length` values, decoded as a typed array (a copy) rather than a JS array. */
    typedArray: (type: string, length: number) => koffi.array(type, length, 'Typed'),
  };
}

let bound: ReturnType<typeof bind> | undefined;

/** The C functions, bound on first use: services that never train start without the library. */
export const native = new Proxy({} as ReturnType<typeof bind>, {
  get: (_target, name: string) => (bound ??= bind())[name as keyof ReturnType<typeof bind>],
});

export class XGBoostError extends Error {
  constructor(call: string) {
    super(`${call}: ${native.lastError()}`);
    this.name = 'XGBoostError';
  }
}

/** Throws XGBoost's last error when a call did not return 0. */
export function check(status: number, call: string): void {
  if (status !== 0) throw new XGBoostError(call);
}

export function xgboostVersion(): string {
  const major = [0];
  const minor = [0];
  const patch = [0];
  native.version(major, minor, patch);
  return `${major[0]}.${minor[0]}.${patch[0]}`;
}
