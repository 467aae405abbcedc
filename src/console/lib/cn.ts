/** Joins class names, skipping falsy ones (the caller's className goes last). */
export function cn(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(' ');
}
