// "Download CSV": the collector's own CSV (format=csv) for the query behind what is shown,
// fetched with the token and handed to the browser as a file.
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL by now; a later revoke frees the memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
