// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** File uploads (multipart/form-data); see src/lib/body-multipart.js. */
export const multipart = {
  /** Largest whole upload request in bytes (instead of body.limit). */
  limit: 52_428_800,
  /** Folder for uploaded files; empty: "nodeserver-uploads" in the system's temp folder. */
  uploadDir: '',
  /** Largest single file in bytes. */
  fileSize: 10_485_760,
  /** Most files in one request. */
  files: 10,
  /** Most non-file fields in one request. */
  fields: 100,
  /** Largest non-file field value in bytes (fields are kept in memory). */
  fieldSize: 65_536,
  /** Most parts (files + fields) in one request. */
  parts: 110,
  /** Largest header block of one part in bytes. */
  headerSize: 8192,
};
