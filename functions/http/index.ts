// The factory's HTTP API: importing this module registers every `app.http` function of `/api`.
import './runs';
import './run';
import './runStream';
import './me';
import './dashboard';
import './trace';
import './artifacts';
import './control';
import './changes';
import './health';
import './openapi';
