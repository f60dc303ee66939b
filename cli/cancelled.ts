/** Thrown when the user cancels a prompt (Ctrl-C): exit 130, nothing written. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}
