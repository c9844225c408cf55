/**
 * The dashboard in Debian's Chromium against a real fusionrec server (SQLite store, the demo
 * catalog with its pictures and sound, models trained through the API, an A/B experiment with
 * traffic). Screenshots land in test-artifacts/.
 */
import { describeDashboard } from './dashboard-suite.js';
import { startDemoServer } from './seed.js';

describeDashboard('dashboard in Chromium against a real server on the demo catalog', startDemoServer);
