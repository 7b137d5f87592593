// Case page visits: one card per visit with its outcome, notes and photos (thumbnails
// fetched with the token), and a form to add photos to a visit later.
import { blobUrl } from '../api.js';
import { fmtTime, h } from '../dom.js';
import { t, term, typeName } from '../i18n.js';
import { can } from '../roles.js';
import { form, uploadPhotos } from './case_forms.js';

export function thumb(path, alt) {
  const img = h('img', { class: 'thumb', alt, 'data-testid': 'thumb' });
  blobUrl(path)
    .then((u) => {
      img.src = u;
    })
    .catch(() => img.remove());
  return img;
}

export function visitCards(ctx, c, done) {
  const visits = c.visits || [];
  const photosOf = (vid) => (c.photos || []).filter((x) => (x.visit_id ?? null) === vid);
  const mayAdd = can(ctx.me, 'visit') && c.status !== 'cancelled';
  const who = (id) => (id === c.assignee_id && c.assignee_name ? c.assignee_name : id);
  const card = (v) => {
    const pics = photosOf(v.visit_id);
    const more = mayAdd
      ? form(
          t('case.addPhotos'),
          [
            h('input', {
              type: 'file',
              name: 'photo',
              multiple: true,
              accept: 'image/jpeg,image/png',
              'data-testid': 'more-photos',
            }),
          ],
          t('case.upload'),
          async (fd) => {
            await uploadPhotos(c, fd.getAll('photo'), v.visit_id);
            done(t('case.photosAdded'));
          },
          `add-photos-${v.visit_id}`,
          (fd) => (fd.getAll('photo').some((f) => f?.size) ? null : t('case.choosePhotos')),
        )
      : null;
    if (more) more.classList.add('compact');
    return h(
      'li',
      { class: `visit outcome-${v.outcome}`, 'data-visit-id': v.visit_id },
      h(
        'div',
        { class: 'visit-head' },
        h('strong', {}, term('outcome', v.outcome)),
        h('time', {}, fmtTime(v.visited_at)),
      ),
      h(
        'div',
        { class: 'muted' },
        who(v.inspector_id),
        v.violation_type
          ? ` · ${typeName(v.violation_type)}`
          : v.reason
            ? ` · ${term('reasonCode', v.reason)}`
            : '',
      ),
      v.notes ? h('p', { class: 'visit-notes' }, v.notes) : null,
      pics.length
        ? h(
            'div',
            { class: 'thumbs', 'data-testid': 'visit-photos' },
            pics.map((x) =>
              thumb(
                `/cases/${c.case_id}/photos/${encodeURIComponent(x.photo_id)}`,
                t('case.photo'),
              ),
            ),
          )
        : null,
      more,
    );
  };
  const loose = photosOf(null);
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, t('case.visits')),
    visits.length
      ? h('ol', { class: 'visits', 'data-testid': 'visits' }, visits.map(card))
      : h('p', { class: 'muted' }, t('case.noVisits')),
    loose.length
      ? h(
          'div',
          { class: 'thumbs' },
          loose.map((x) =>
            thumb(`/cases/${c.case_id}/photos/${encodeURIComponent(x.photo_id)}`, t('case.photo')),
          ),
        )
      : null,
  );
}
