// A script job's uploaded script: its versions, a download of any one, and the upload of a
// new version (README "Uploaded scripts": PUT /admin/scripts/{id}, the source as the body).
import { useRef, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import type { ScriptVersion } from '../types.ts';
import { Command, EmptyState, ErrorNote, Time, useLoad } from '../ui.tsx';

/** `GET /admin/scripts/{id}`: the script and its versions, newest first. */
interface ScriptVersions {
  id: string;
  latestVersion: number;
  versions: ScriptVersion[];
}

/** Saves a text as a file through a temporary object URL (no navigation, nothing kept). */
const saveAs = (text: string, name: string): void => {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // After the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};

export const JobScripts = ({ scriptId, pinned }: { scriptId: string; pinned: number | undefined }) => {
  const list = useLoad(
    () =>
      api.get<ScriptVersions>(`/scripts/${seg(scriptId)}`).catch((error: unknown) => {
        // No version yet is not an error here: the page offers the first upload.
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }),
    [scriptId],
  );
  const [file, setFile] = useState<File | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [uploaded, setUploaded] = useState<number | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const inputId = `script-file-${scriptId}`;
  const fileInput = useRef<HTMLInputElement>(null);

  const upload = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (file === undefined) return;
    setBusy(true);
    setError(undefined);
    setUploaded(undefined);
    try {
      const v = await api.putText<ScriptVersion>(`/scripts/${seg(scriptId)}`, await file.text());
      setUploaded(v.version);
      setFile(undefined);
      if (fileInput.current !== null) fileInput.current.value = '';
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const download = async (version: number): Promise<void> => {
    setError(undefined);
    try {
      const { text } = await api.getText(`/scripts/${seg(scriptId)}/versions/${version}`);
      saveAs(text, `${scriptId}-v${version}.js`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section class="job-scripts" aria-labelledby="job-scripts-title">
      <h2 id="job-scripts-title">Script {scriptId}</h2>
      <p class="muted">
        {pinned === undefined ? 'The job runs the latest version.' : `The job runs version ${pinned}.`}
      </p>
      <ErrorNote error={list.error ?? error} />
      {uploaded !== undefined ? (
        <p class="notice" role="status">
          Uploaded version {uploaded}.
        </p>
      ) : null}
      {list.data === undefined && !list.loading && list.error === undefined ? (
        <EmptyState title="No version uploaded yet">
          <p>Upload the script's .js file below, or from a terminal:</p>
          <Command text={`npx triggerhub scripts push ${scriptId}.js --id ${scriptId}`} />
        </EmptyState>
      ) : null}
      {list.data !== undefined ? (
        <table>
          <caption class="muted">Latest version: {list.data.latestVersion}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Uploaded</th>
              <th scope="col">By</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">File</th>
            </tr>
          </thead>
          <tbody>
            {list.data.versions.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>
                  <Time iso={v.uploadedAt} />
                </td>
                <td>{v.uploadedBy}</td>
                <td>{v.bytes} bytes</td>
                <td>
                  <code title={v.sha256}>{v.sha256.slice(0, 12)}…</code>
                </td>
                <td class="actions">
                  <button
                    type="button"
                    onClick={() => void download(v.version)}
                    aria-label={`Download version ${v.version}`}
                  >
                    Download
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form class="toolbar job-upload" onSubmit={(e) => void upload(e)}>
        <div class="field">
          <label for={inputId}>Upload a new version (.js)</label>
          <input
            id={inputId}
            ref={fileInput}
            type="file"
            accept=".js,application/javascript,text/javascript"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </div>
        <button type="submit" class="primary" disabled={file === undefined || busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </form>
    </section>
  );
};
