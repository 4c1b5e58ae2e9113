import type { Random } from '../common/random';
import { NECK_ARC, TAILBASE_ARC, TAIL_END_ARC } from './anatomy';
import { Trail } from './trail';

/**
 * Mouse-like locomotion of the neck point. Each animal alternates between runs and pauses, turns
 * with a smoothly varying (Ornstein–Uhlenbeck) turning rate, is steered away from the walls, and
 * now and then seeks out another animal and stays in contact with it for a moment — that is what
 * produces the crossings, touching and occlusions a tracker has to get through.
 */

type Behaviour = 'run' | 'pause' | 'approach' | 'contact';

export interface AnimalState {
  x: number;
  y: number;
  heading: number;
  speed: number;
  /** Distance actually covered in the last step per second (less than `speed` against a wall). */
  travelSpeed: number;
  turnRate: number;
  /** Head angle relative to the body (looking around). */
  headYaw: number;
  behaviour: Behaviour;
  targetSpeed: number;
  /** Animal sought in `approach` / `contact`, and the point on it (arc from its snout). */
  partner: number;
  partnerArc: number;
  /** Seconds left in a timed behaviour (approach, contact). */
  timeLeft: number;
  scale: number;
  trail: Trail;
}

/** The box the neck stays in; keeping the neck this far in keeps every keypoint inside the frame. */
export interface Arena {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Tuning constants of the behaviour model, per second unless noted. */
const MODEL = {
  runToPauseRate: 0.5,
  pauseToRunRate: 1.0,
  /** How often an animal starts seeking another one. */
  socialRate: 0.3,
  runSpeed: [70, 160] as const, // px/s for a scale-1 animal
  pauseSpeed: [0, 8] as const,
  approachSpeed: [150, 200] as const,
  contactSpeed: [0, 12] as const,
  approachTimeout: 4,
  contactDuration: [0.6, 1.6] as const,
  /** Contact starts when the snout is this close to the sought point (px, scale 1). */
  contactDistance: 8,
  speedRelaxation: 0.25, // s
  turnCorrelation: 0.5, // s
  turnRateSpread: 1.5, // rad/s, stationary standard deviation
  /** Turning is damped at low speed: mice don't spin on the spot. */
  fullTurningSpeed: 50, // px/s
  seekGain: 5,
  avoidLookAhead: 8, // px ahead of the snout
  avoidDistance: 22, // px from another animal's midline
  avoidGain: 4,
  wallLookAhead: 45, // px
  wallBuffer: 40, // px inside the arena where wall avoidance starts
  wallGain: 6,
  maxTurnRate: 7, // rad/s
  /**
   * Tightest turn, in px of a scale-1 animal: the body follows the neck's path, so a tighter path
   * would fold the body onto itself. Standing still allows only a slow turn in place.
   */
  minTurnRadius: 12,
  turnInPlace: 0.3, // rad/s
  headYawCorrelation: 0.4, // s
  headYawSpread: { moving: 0.2, still: 0.45 }, // rad
  headYawLimit: 0.9, // rad
} as const;

export function wrapAngle(angle: number): number {
  return angle - 2 * Math.PI * Math.round(angle / (2 * Math.PI));
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}

function pick(random: Random, [low, high]: readonly [number, number]): number {
  return random.uniform(low, high);
}

/** A fresh animal at (x, y) facing `heading`, its body laid out straight behind it. */
export function createAnimal(x: number, y: number, heading: number, scale: number): AnimalState {
  return {
    x,
    y,
    heading,
    speed: 0,
    travelSpeed: 0,
    turnRate: 0,
    headYaw: 0,
    behaviour: 'pause',
    targetSpeed: 0,
    partner: -1,
    partnerArc: 0,
    timeLeft: 0,
    scale,
    trail: new Trail(x, y, heading, (TAIL_END_ARC - NECK_ARC) * scale + 4),
  };
}

/** Where the point `arc` pixels (scale-1 units) behind an animal's snout is right now. */
function pointOnAnimal(animal: AnimalState, arc: number): { x: number; y: number } {
  if (arc <= NECK_ARC) {
    const ahead = (NECK_ARC - arc) * animal.scale;
    return { x: animal.x + Math.cos(animal.heading) * ahead, y: animal.y + Math.sin(animal.heading) * ahead };
  }
  const sample = new Float64Array(2);
  animal.trail.sampleBehind([(arc - NECK_ARC) * animal.scale], sample);
  return { x: sample[0], y: sample[1] };
}

function startBehaviour(animals: AnimalState[], self: number, behaviour: Behaviour, random: Random): void {
  const animal = animals[self];
  animal.behaviour = behaviour;
  const scale = animal.scale;
  switch (behaviour) {
    case 'run':
      animal.targetSpeed = pick(random, MODEL.runSpeed) * scale;
      break;
    case 'pause':
      animal.targetSpeed = pick(random, MODEL.pauseSpeed) * scale;
      break;
    case 'approach': {
      // Any other animal (our own index is skipped); sniff its nose, neck or rear.
      const other = random.integer(0, animals.length - 1);
      animal.partner = other >= self ? other + 1 : other;
      animal.partnerArc = [0, NECK_ARC, TAILBASE_ARC][random.integer(0, 3)];
      animal.targetSpeed = pick(random, MODEL.approachSpeed) * scale;
      animal.timeLeft = MODEL.approachTimeout;
      break;
    }
    case 'contact':
      animal.targetSpeed = pick(random, MODEL.contactSpeed) * scale;
      animal.timeLeft = pick(random, MODEL.contactDuration);
      break;
  }
}

/** Chance that an event with the given rate (per second) happens within `dt` seconds. */
function happens(random: Random, rate: number, dt: number): boolean {
  return random.next() < 1 - Math.exp(-rate * dt);
}

/** Decides what the animal does next, and returns the heading it wants (undefined = wander). */
function updateBehaviour(
  self: number,
  animals: AnimalState[],
  random: Random,
  dt: number,
): number | undefined {
  const animal = animals[self];
  const social = animals.length > 1;
  if (animal.behaviour === 'run' || animal.behaviour === 'pause') {
    if (social && happens(random, MODEL.socialRate, dt)) {
      startBehaviour(animals, self, 'approach', random);
    } else if (animal.behaviour === 'run' && happens(random, MODEL.runToPauseRate, dt)) {
      startBehaviour(animals, self, 'pause', random);
    } else if (animal.behaviour === 'pause' && happens(random, MODEL.pauseToRunRate, dt)) {
      startBehaviour(animals, self, 'run', random);
    }
  }
  if (animal.behaviour !== 'approach' && animal.behaviour !== 'contact') return undefined;

  animal.timeLeft -= dt;
  const goal = pointOnAnimal(animals[animal.partner], animal.partnerArc);
  const snout = pointOnAnimal(animal, 0);
  const distance = Math.hypot(goal.x - snout.x, goal.y - snout.y);
  if (animal.behaviour === 'approach' && distance < MODEL.contactDistance * animal.scale) {
    startBehaviour(animals, self, 'contact', random);
  } else if (animal.timeLeft <= 0) {
    startBehaviour(animals, self, 'run', random);
    return undefined;
  }
  return Math.atan2(goal.y - animal.y, goal.x - animal.x);
}

/** Arcs (scale-1 px from the snout) checked when an animal looks out for other bodies ahead. */
const BODY_PROBE_ARCS = [NECK_ARC, 26, 38, 50, TAILBASE_ARC] as const;

/**
 * Turning (rad/s) away from other animals' bodies just ahead of the snout, so animals brush past
 * and overlap partly rather than walking straight over each other. The animal being sought is
 * exempt: reaching it is the point.
 */
function bodyAvoidance(self: number, animals: AnimalState[]): number {
  const animal = animals[self];
  const reach = MODEL.avoidDistance * animal.scale;
  const lookX = animal.x + Math.cos(animal.heading) * (NECK_ARC + MODEL.avoidLookAhead) * animal.scale;
  const lookY = animal.y + Math.sin(animal.heading) * (NECK_ARC + MODEL.avoidLookAhead) * animal.scale;
  const seeking = animal.behaviour === 'approach' || animal.behaviour === 'contact';
  let turning = 0;
  animals.forEach((other, index) => {
    if (index === self || (seeking && index === animal.partner)) return;
    for (const arc of BODY_PROBE_ARCS) {
      const point = pointOnAnimal(other, arc);
      const distance = Math.hypot(point.x - lookX, point.y - lookY);
      if (distance >= reach) continue;
      // Turn away from the side the obstacle is on, harder the closer it is.
      const side = Math.cos(animal.heading) * (point.y - animal.y) - Math.sin(animal.heading) * (point.x - animal.x);
      turning -= Math.sign(side || 1) * MODEL.avoidGain * (1 - distance / reach);
    }
  });
  return turning;
}

/** Turning (rad/s) that bends the path away from walls the animal is heading into. */
function wallAvoidance(animal: AnimalState, arena: Arena): number {
  const aheadX = animal.x + Math.cos(animal.heading) * MODEL.wallLookAhead;
  const aheadY = animal.y + Math.sin(animal.heading) * MODEL.wallLookAhead;
  const buffer = MODEL.wallBuffer;
  const pushX = Math.max(0, arena.left + buffer - aheadX) - Math.max(0, aheadX - (arena.right - buffer));
  const pushY = Math.max(0, arena.top + buffer - aheadY) - Math.max(0, aheadY - (arena.bottom - buffer));
  if (pushX === 0 && pushY === 0) return 0;
  const wantX = Math.cos(animal.heading) + pushX / buffer;
  const wantY = Math.sin(animal.heading) + pushY / buffer;
  return MODEL.wallGain * wrapAngle(Math.atan2(wantY, wantX) - animal.heading);
}

/** Ornstein–Uhlenbeck update of `value` towards 0 with the given correlation time and spread. */
function ornsteinUhlenbeck(value: number, correlation: number, spread: number, dt: number, random: Random): number {
  const decay = Math.exp(-dt / correlation);
  return value * decay + spread * Math.sqrt(1 - decay * decay) * random.gaussian();
}

/** Advances every animal by `dt` seconds (in index order, so results are deterministic). */
export function stepAnimals(animals: AnimalState[], arena: Arena, random: Random, dt: number): void {
  for (let self = 0; self < animals.length; self++) {
    const animal = animals[self];
    const desiredHeading = updateBehaviour(self, animals, random, dt);

    animal.speed += (animal.targetSpeed - animal.speed) * Math.min(1, dt / MODEL.speedRelaxation);
    animal.turnRate = ornsteinUhlenbeck(animal.turnRate, MODEL.turnCorrelation, MODEL.turnRateSpread, dt, random);
    const agility = Math.min(1, 0.2 + animal.speed / MODEL.fullTurningSpeed);
    let turning = animal.turnRate * agility + wallAvoidance(animal, arena) + bodyAvoidance(self, animals);
    if (desiredHeading !== undefined) turning += MODEL.seekGain * wrapAngle(desiredHeading - animal.heading);
    const turnLimit = Math.min(
      MODEL.maxTurnRate,
      MODEL.turnInPlace + animal.travelSpeed / (MODEL.minTurnRadius * animal.scale),
    );
    turning = clamp(turning, -turnLimit, turnLimit);
    animal.heading = wrapAngle(animal.heading + turning * dt);

    const still = animal.speed < 20 * animal.scale;
    const yawSpread = still ? MODEL.headYawSpread.still : MODEL.headYawSpread.moving;
    const yaw = ornsteinUhlenbeck(animal.headYaw, MODEL.headYawCorrelation, yawSpread, dt, random);
    animal.headYaw = clamp(yaw, -MODEL.headYawLimit, MODEL.headYawLimit);

    const freeX = animal.x + Math.cos(animal.heading) * animal.speed * dt;
    const freeY = animal.y + Math.sin(animal.heading) * animal.speed * dt;
    // Hard walls: slide along them, heading where the slide goes. (Keeping the old heading would
    // let the neck slide back over its own body in a corner.)
    const x = clamp(freeX, arena.left, arena.right);
    const y = clamp(freeY, arena.top, arena.bottom);
    const travelled = Math.hypot(x - animal.x, y - animal.y);
    if ((x !== freeX || y !== freeY) && travelled > 1e-9) {
      animal.heading = Math.atan2(y - animal.y, x - animal.x);
    }
    animal.travelSpeed = travelled / dt;
    animal.x = x;
    animal.y = y;
    animal.trail.advance(x, y);
  }
}
