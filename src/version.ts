// The product version, as INFO and the container image report it.
export const VERSION = '0.1.0';
