// The Functions app: importing this module registers every function with @azure/functions, in Azure and on
// the embedded host alike.
import './instrumentation';
import './telemetryHooks';
import './activities/agents';
import './commands/factoryCommands';
import './http';
import './activities/evaluateGate';
import './activities/publishEvent';
import './activities/recordRunState';
import './activities/sealPhase';
import './activities/writeRunReport';
import '../orchestrations/factoryRun';
import '../orchestrations/visionToArchitecture';
import '../orchestrations/architectureToDevelopment';
import '../orchestrations/developmentToTesting';
import '../orchestrations/testingToDeployment';
import '../orchestrations/deploymentToProduction';
import '../orchestrations/productionToOptimization';
