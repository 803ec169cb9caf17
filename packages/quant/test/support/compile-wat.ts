import wabt from 'wabt';

/** The WebAssembly binary of a text module that uses SIMD, through wabt (a dev dependency only). */
export async function compileTailScanWat(source: string): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat('tail-scan.wat', source, { simd: true });
  try {
    module.validate();
    return module.toBinary({ log: false }).buffer;
  } finally {
    module.destroy();
  }
}
