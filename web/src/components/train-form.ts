/**
 * @module web/components/train-form
 * "Train a model": posts POST /v1/models/train and follows the job (GET /v1/jobs/{id}) until it
 * is done or failed, showing the epoch; on success the Models page reloads with the new version.
 */
import { api } from '../api/client.js';
import type { Job } from '../api/types.js';
import { h } from '../dom.js';
import { CHANGED } from './status-strip.js';

const MODELS = ['bpr', 'lightgcn', 'vbpr', 'fusion', 'freedom', 'itemknn', 'mf-rating'];

export function trainForm(signal: AbortSignal): HTMLElement {
  const msg = h('p', { class: 'notice', 'aria-live': 'polite', 'data-testid': 'train-status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Train');
  const follow = async (id: string): Promise<void> => {
    while (!signal.aborted) {
      const job = await api.get<Job>(`/v1/jobs/${encodeURIComponent(id)}`, undefined, signal);
      const progress = job.epoch ? ` · epoch ${job.epoch}${job.maxEpochs ? `/${job.maxEpochs}` : ''}` : '';
      msg.textContent = `Job ${job.id}: ${job.status}${progress}`;
      if (job.status === 'failed') throw new Error(job.error ?? 'training failed');
      if (job.status === 'done') {
        msg.textContent = `Trained ${job.model ?? ''} v${job.version ?? '?'}.`;
        window.dispatchEvent(new Event(CHANGED));
        window.dispatchEvent(new HashChangeEvent('hashchange'));
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const d = new FormData(form);
        const epochs = Number(d.get('epochs'));
        submit.disabled = true;
        msg.classList.remove('notice-error');
        msg.textContent = 'Starting…';
        try {
          const r = await api.post<{ job: string | Job }>('/v1/models/train', {
            model: String(d.get('model') ?? '').trim(),
            ...(epochs > 0 ? { epochs } : {}),
            activate: d.get('activate') === 'on',
          });
          await follow(typeof r.job === 'string' ? r.job : r.job.id);
        } catch (e) {
          if (signal.aborted) return;
          msg.classList.add('notice-error');
          msg.textContent = `Training failed: ${(e as Error).message}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'label',
      null,
      'Model',
      h('input', { name: 'model', list: 'train-models', value: 'bpr', required: true, size: 10 }),
    ),
    h(
      'datalist',
      { id: 'train-models' },
      MODELS.map((m) => h('option', { value: m })),
    ),
    h('label', null, 'Epochs', h('input', { name: 'epochs', type: 'number', min: 1, max: 1000, value: 30 })),
    h(
      'label',
      { class: 'check' },
      h('input', { name: 'activate', type: 'checkbox', checked: true }),
      'activate when done',
    ),
    submit,
  );
  return h('details', { class: 'card create' }, h('summary', null, 'Train a model'), form, msg);
}
