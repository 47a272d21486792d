import { ReaderError } from '../index';

/** The ReaderError `p` rejects with; anything else (a resolution, another error) fails the test. */
export async function readerRejection(p: Promise<unknown>): Promise<ReaderError> {
  const err = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(err instanceof ReaderError)) throw err;
  return err;
}
