// Sizes as docker/go-units HumanSize prints them in Flux's event messages ("1.234kB", "512B").

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** `size` in decimal units with four significant digits, as go-units `HumanSize`. */
export function humanSize(size: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${formatG4(value)}${UNITS[unit]}`;
}

/** Go's `%.4g`: four significant digits, trailing zeros dropped. */
function formatG4(value: number): string {
  if (value === 0) return "0";
  return String(Number(value.toPrecision(4)));
}
