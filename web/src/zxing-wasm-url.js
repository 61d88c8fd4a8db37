// The zxing reader's WebAssembly, copied into dist/assets/ under a hashed name by esbuild's file
// loader; its URL (relative to the app's base) is this module's default export.
export { default } from "zxing-wasm/reader/zxing_reader.wasm";
