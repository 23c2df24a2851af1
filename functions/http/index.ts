// The factory's HTTP API: importing this module registers every `app.http` function of `/api`.
import './runs';
import './run';
import './trace';
import './artifacts';
import './control';
import './changes';
import './health';
import './openapi';
