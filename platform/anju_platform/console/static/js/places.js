// Names instead of ids: the estate's flats (1栋2单元0501), grids, buildings, doors and
// gateways from GET /overview/places, loaded once per estate and page view.
import { api } from './api.js';
import { h } from './dom.js';

const cache = new Map();

export async function places(estate, signal) {
  if (!estate) return empty();
  if (!cache.has(estate)) {
    const p = api('/overview/places', { query: { estate_id: estate }, signal })
      .then(index)
      .catch(() => {
        cache.delete(estate);
        return empty();
      });
    cache.set(estate, p);
  }
  return cache.get(estate);
}

// After a change to the register (and on every navigation: the data may have changed).
export function forget() {
  cache.clear();
}

function empty() {
  return index({ buildings: [], entrances: [], grids: [], units: [], gateways: [], devices: [] });
}

function index(p) {
  const by = (rows, key) => new Map(rows.map((r) => [r[key], r]));
  return {
    ...p,
    unit: by(p.units, 'unit_id'),
    grid: by(p.grids, 'id'),
    building: by(p.buildings, 'id'),
    entrance: by(p.entrances, 'id'),
    gateway: by(p.gateways, 'id'),
    device: by(p.devices, 'device_id'),
  };
}

// The label of a flat (or building), falling back to the id when it is unknown.
export function flatName(p, unitId, buildingId) {
  if (unitId) return p.unit.get(unitId)?.label || unitId;
  if (buildingId) return p.building.get(buildingId)?.name || buildingId;
  return '';
}

export const gridName = (p, id) => (id ? p.grid.get(id)?.name || id : '');
export const householdName = (p, unitId) => p.unit.get(unitId)?.household_name || '';
export const gatewayName = (p, id) => (id ? p.gateway.get(id)?.name || id : '');
export const deviceName = (p, id) => (id ? p.device.get(id)?.label || '' : '');

// A name with its id in small type next to it (for staff who copy ids).
export function named(name, id) {
  return name && name !== id ? [name, ' ', h('small', { class: 'id' }, id)] : [id || ''];
}
