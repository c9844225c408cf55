/**
 * @module web/components/train-form
 * "Train a model": posts POST /v1/models/train and follows the job (GET /v1/jobs/{id}) until it
 * is done or failed, showing the epoch; on success the Models page reloads with the new version.
 */
import { api } from '../api/client.js';
import type { Job } from '../api/types.js';
import { h } from '../dom.js';
import { CHANGED } from './status-strip.js';

/** The models the server can serve (popularity and itemknn cannot). */
const MODELS = ['bpr', 'lightgcn', 'vbpr', 'fusion', 'freedom', 'mf-rating'];

/** The activation policies, as the select offers them (the server's default is "never"). */
const POLICIES: [string, string][] = [
  ['never', 'keep inactive (activate it yourself)'],
  ['if-better', 'activate if it validates better'],
  ['always', 'activate when done'],
];

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
        const live = job.activated ? 'now served' : 'not activated';
        msg.textContent = `Trained ${job.model ?? ''} v${job.version ?? '?'}: ${live}${job.activation ? ` (${job.activation})` : ''}.`;
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
            activate: String(d.get('activate') ?? 'never'),
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
      null,
      'Then',
      h(
        'select',
        { name: 'activate' },
        POLICIES.map(([value, text]) => h('option', { value }, text)),
      ),
    ),
    submit,
  );
  return h('details', { class: 'card create' }, h('summary', null, 'Train a model'), form, msg);
}
